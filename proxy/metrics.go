package proxy

import (
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// timedTransport times every upstream round trip and counts the requests the
// upstream answered; failed ones are counted by respond, which knows
// whether the client itself went away.
func (h *Handler) timedTransport(next http.RoundTripper) http.RoundTripper {
	if h.metrics == nil {
		return next
	}
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		started := time.Now()
		resp, err := next.RoundTrip(r)
		status := 0
		if err == nil {
			status = resp.StatusCode
			h.metrics.Request(metrics.OutcomeProxied)
		}
		h.metrics.ObserveUpstream(status, err, time.Since(started))
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
