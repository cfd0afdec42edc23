package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestConfigReloads(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := NewConfigReloads(reg)
	c.Reloaded(false, time.Unix(5, 0))
	c.Reloaded(true, time.Unix(1700000000, 0))
	c.Reloaded(true, time.Unix(1700000001, 0))
	want := `
# HELP gatehouse_config_reloads_total Configuration reloads by result: success (the new config runs) or error (refused, the old one keeps running).
# TYPE gatehouse_config_reloads_total counter
gatehouse_config_reloads_total{result="error"} 1
gatehouse_config_reloads_total{result="success"} 2
# HELP gatehouse_config_last_reload_success_timestamp_seconds When the running configuration was loaded (start or last successful reload), as a Unix time.
# TYPE gatehouse_config_last_reload_success_timestamp_seconds gauge
gatehouse_config_last_reload_success_timestamp_seconds 1.700000001e+09
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	var none *ConfigReloads
	none.Reloaded(true, time.Now()) // a nil counter counts nothing and does not panic
}
