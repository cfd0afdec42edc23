package redis

import (
	"context"
	"sync"
	"time"
)

// lazyDeadline bounds one store call by the store's timeout, like
// context.WithTimeout, but arms no timer until someone waits on it or asks
// for its error. A read answered from the client-side cache does neither,
// and context.WithTimeout would cost it allocations and a timer started and
// stopped on every request.
//
// Kept because it was measured (issue 16; 2 shared cores, the same
// binary built both ways, runs interleaved): BenchmarkLoad/client-cache-hit,
// the steady-state session read, takes 5 allocations and 432 B with it and 8
// and 608 B with context.WithTimeout, and its median time went from 2.4 µs to
// 4.7 µs with WithTimeout (12 runs each; BenchmarkHotPath's
// session-load-redis-cache-hit: 5 → 8 allocations, 1488 → 1664 B). A read
// that goes to Redis arms it, and costs about what WithTimeout does.
type lazyDeadline struct {
	context.Context // the parent: values and, once armed, cancellation
	deadline        time.Time
	once            sync.Once
	armed           context.Context
	cancel          context.CancelFunc
	// canceled stands in for armed when the call ended before anyone
	// waited: a context that is already canceled.
	canceled context.Context
}

// withLazyDeadline returns a context that expires at deadline or when parent
// ends, and the function that releases it (as CancelFunc does). canceled
// must be a context that is already canceled.
func withLazyDeadline(parent context.Context, deadline time.Time, canceled context.Context) (*lazyDeadline, func()) {
	c := &lazyDeadline{Context: parent, deadline: deadline, canceled: canceled}
	return c, c.release
}

func (c *lazyDeadline) arm() {
	c.armed, c.cancel = context.WithDeadline(c.Context, c.deadline)
}

func (c *lazyDeadline) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

func (c *lazyDeadline) Done() <-chan struct{} {
	c.once.Do(c.arm)
	return c.armed.Done()
}

func (c *lazyDeadline) Err() error {
	c.once.Do(c.arm)
	return c.armed.Err()
}

// release ends the context. One never armed becomes the canceled context,
// so a late Done or Err still answers as a released context does, and
// releasing it costs nothing.
func (c *lazyDeadline) release() {
	c.once.Do(func() { c.armed = c.canceled })
	if c.cancel != nil {
		c.cancel()
	}
}
