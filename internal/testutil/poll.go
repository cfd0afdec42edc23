package testutil

import (
	"testing"
	"time"
)

// Poll calls cond until it returns true or within has passed, and reports
// whether it did. It is for conditions that another process or goroutine
// makes true without telling the test (a cache invalidated by Redis, a server
// coming back), where there is no event to wait on and no clock to move.
func Poll(within time.Duration, cond func() bool) bool {
	// A hundred polls over the wait, but no busier than every 5ms and no
	// lazier than every 50ms.
	tick := min(max(within/100, 5*time.Millisecond), 50*time.Millisecond)
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(tick)
	}
	return true
}

// Eventually fails the test when cond does not become true within the
// given time; what names the awaited event in the failure.
func Eventually(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	if !Poll(within, cond) {
		t.Fatalf("%s: not within %v", what, within)
	}
}
