package proxy

import "time"

// WithClock makes the handler read the time from now instead of time.Now:
// the idle and absolute timeouts, when tokens are due for refresh or expired,
// and how long a request waits for another's refresh. Tests move time with it
// instead of waiting for it; no config key reaches it. Everything outside the
// handler keeps the wall clock: the store's key expiry (Redis expires keys
// itself), the cookie codec's timestamps, the provider and token
// verification.
func WithClock(now func() time.Time) Option {
	return func(h *Handler) { h.now = now }
}

// tokenExpiry turns an access token's expiry as the OIDC client reports it
// into an instant of the handler's clock, which reads now. The client adds
// the provider's expires_in to the wall clock (golang.org/x/oauth2 does), so
// under a clock that is ahead a fresh token would look as old as the clock is
// ahead; carried over as time left, it keeps its lifetime. Under time.Now, as
// in production, the instant is unchanged (to within the nanoseconds between
// the two readings).
func tokenExpiry(now, exp time.Time) time.Time {
	if exp.IsZero() {
		return exp // no expiry given
	}
	return now.Add(time.Until(exp))
}
