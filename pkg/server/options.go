package server

import "time"

// Option changes how New assembles a server. main passes none; tests use
// them to reach what no config key should (a config key would let an
// operator move gatehouse's clock).
type Option func(*options)

type options struct {
	now func() time.Time // nil: time.Now
}

// WithClock makes the request handler read the time from now: session idle
// and absolute timeouts, and when access tokens are due for refresh or have
// expired. Everything outside the handler keeps the wall clock: the session
// store's key expiry (Redis expires keys itself), the cookie codec's
// timestamps, the provider and the token verification. For tests that move
// time instead of waiting for it.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

func collect(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
