package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Logout kinds, as counted and logged.
const (
	logoutRPInitiated  = "rp_initiated"
	logoutBackchannel  = "backchannel"
	logoutFrontchannel = "frontchannel"
)

// logoutMetrics counts logouts by kind, the sessions they ended, and refused
// logout requests by reason. The collectors work unregistered, so the handler
// never checks; RegisterMetrics puts them on the ops listener's /metrics.
type logoutMetrics struct {
	logouts  *prometheus.CounterVec
	sessions *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

func newLogoutMetrics() *logoutMetrics {
	return &logoutMetrics{
		logouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gatehouse",
			Name:      "logouts_total",
			Help:      "Logouts carried out, by kind (rp_initiated, backchannel, frontchannel), including those that found no session left.",
		}, []string{"kind"}),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gatehouse",
			Name:      "logout_sessions_ended_total",
			Help:      "Sessions deleted by logouts, by kind.",
		}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gatehouse",
			Name:      "logout_requests_rejected_total",
			Help:      "Back- and front-channel logout requests refused (400), by kind and reason (for example signature, iat_too_old, replayed).",
		}, []string{"kind", "reason"}),
	}
}

func (m *logoutMetrics) logout(kind string, sessions int) {
	m.logouts.WithLabelValues(kind).Inc()
	m.sessions.WithLabelValues(kind).Add(float64(sessions))
}

func (m *logoutMetrics) reject(kind, reason string) {
	m.rejected.WithLabelValues(kind, reason).Inc()
}

// RegisterMetrics adds the handler's counters to reg (the ops listener's
// registry).
func (h *Handler) RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{h.metrics.logouts, h.metrics.sessions, h.metrics.rejected} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
