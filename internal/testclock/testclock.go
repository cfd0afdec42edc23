// Package testclock is a clock that only moves when a test moves it, so that
// tests of timeouts and token lifetimes step over hours in microseconds and
// do not depend on how fast the machine runs. It is safe for concurrent use:
// the server's request goroutines read it while the test advances it.
package testclock

import (
	"sync"
	"time"
)

// Clock is a stopped clock. The zero value is not usable; call New.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock that shows start until it is moved.
func New(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the clock's time. Its signature fits wherever a
// func() time.Time clock is injected.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time. A negative
// d panics: the code under test assumes, like the wall clock's monotonic
// reading, that time never runs backwards, so a test that asked for it is
// wrong.
func (c *Clock) Advance(d time.Duration) time.Time {
	if d < 0 {
		panic("testclock: Advance with a negative duration " + d.String())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
