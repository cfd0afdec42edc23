package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestLoginRateLimitedMovesOnlyItsSeries(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New(reg)
	before := totalCounters(t, reg)
	m.LoginRateLimited()
	if got := testutil.ToFloat64(m.loginRateLimited); got != 1 {
		t.Errorf("gatehouse_login_rate_limited_total = %v, want 1", got)
	}
	if after := totalCounters(t, reg); after != before+1 {
		t.Errorf("all counters moved by %v, want 1", after-before)
	}
	var none *Metrics
	none.LoginRateLimited() // nil metrics do nothing
}
