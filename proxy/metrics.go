package proxy

import (
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
)

// authFailureOutcome names the outcome authFailed will answer with.
func authFailureOutcome(err error) metrics.Outcome {
	switch {
	case errors.Is(err, errBearerRefused):
		return metrics.OutcomeUnauthorized
	case errors.Is(err, oidcclient.ErrNotReady):
		return metrics.OutcomeProviderUnavailable
	default:
		return metrics.OutcomeStoreUnavailable
	}
}

// timedTransport times every upstream round trip and counts the requests the
// upstream answered; failed ones are counted by upstreamError, which knows
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
