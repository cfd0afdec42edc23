package testutil

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestPoll(t *testing.T) {
	cases := []struct {
		name   string
		trueAt int // the call from which cond is true; 0 never
		want   bool
	}{
		{name: "at once", trueAt: 1, want: true},
		{name: "after a few polls", trueAt: 4, want: true},
		{name: "never", trueAt: 0, want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			got := Poll(50*time.Millisecond, func() bool {
				n := calls.Add(1)
				return tc.trueAt > 0 && int(n) >= tc.trueAt
			})
			if got != tc.want {
				t.Fatalf("Poll = %v, want %v (after %d calls)", got, tc.want, calls.Load())
			}
			if tc.want && int(calls.Load()) != tc.trueAt {
				t.Errorf("cond called %d times, want %d: Poll must stop once it holds", calls.Load(), tc.trueAt)
			}
		})
	}
}

func TestPorts(t *testing.T) {
	ln := Listen(t)
	defer ln.Close()
	if port := FreePort(t); port <= 0 {
		t.Fatalf("FreePort = %d", port)
	}
	if _, err := PickFreePort(); err != nil {
		t.Fatal(err)
	}
}
