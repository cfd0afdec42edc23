package testclock

import (
	"sync"
	"testing"
	"time"
)

func TestAdvance(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		steps []time.Duration
		want  time.Time
	}{
		{"stopped", nil, start},
		{"zero step", []time.Duration{0}, start},
		{"one step", []time.Duration{time.Minute}, start.Add(time.Minute)},
		{"steps add up", []time.Duration{time.Second, time.Hour, 2 * time.Millisecond}, start.Add(time.Hour + time.Second + 2*time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(start)
			var last time.Time
			for _, d := range tt.steps {
				last = c.Advance(d)
			}
			if got := c.Now(); !got.Equal(tt.want) {
				t.Fatalf("Now() = %v, want %v", got, tt.want)
			}
			if len(tt.steps) > 0 && !last.Equal(tt.want) {
				t.Fatalf("Advance returned %v, want %v", last, tt.want)
			}
		})
	}
}

func TestStoppedClockDoesNotFollowWallClock(t *testing.T) {
	start := time.Now()
	c := New(start)
	// No sleep needed: any wall-clock movement at all would show, and the
	// assertion holds however long the machine takes between the calls.
	for range 1000 {
		if !c.Now().Equal(start) {
			t.Fatal("the clock moved by itself")
		}
	}
}

func TestAdvanceNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Advance(-1s) did not panic")
		}
	}()
	New(time.Now()).Advance(-time.Second)
}

// TestConcurrentUse is for the race detector: readers and one writer at once,
// as request goroutines and a test do.
func TestConcurrentUse(t *testing.T) {
	start := time.Now()
	c := New(start)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			prev := start
			for range 1000 {
				now := c.Now()
				if now.Before(prev) {
					t.Error("the clock went backwards")
					return
				}
				prev = now
			}
		})
	}
	for range 1000 {
		c.Advance(time.Millisecond)
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
}
