package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ConfigReloads counts configuration reloads (SIGHUP or a changed file). It
// is separate from Metrics because the server, not the request path,
// reloads.
type ConfigReloads struct {
	success, failure prometheus.Counter
	lastSuccess      prometheus.Gauge
}

// NewConfigReloads registers gatehouse_config_reloads_total{result} and
// gatehouse_config_last_reload_success_timestamp_seconds on reg. Both
// results are present from the start, so an alert on errors sees a 0
// before the first failure.
func NewConfigReloads(reg prometheus.Registerer) *ConfigReloads {
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "config_reloads_total",
		Help: "Configuration reloads by result: success (the new config runs) or error (refused, the old one keeps running).",
	}, []string{"result"})
	last := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "config_last_reload_success_timestamp_seconds",
		Help: "When the running configuration was loaded (start or last successful reload), as a Unix time.",
	})
	reg.MustRegister(total, last)
	last.SetToCurrentTime()
	return &ConfigReloads{success: total.WithLabelValues("success"), failure: total.WithLabelValues("error"), lastSuccess: last}
}

// Reloaded counts one reload: ok when the new config took effect. at is when.
func (c *ConfigReloads) Reloaded(ok bool, at time.Time) {
	if c == nil {
		return
	}
	if !ok {
		c.failure.Inc()
		return
	}
	c.success.Inc()
	c.lastSuccess.Set(float64(at.UnixNano()) / 1e9)
}
