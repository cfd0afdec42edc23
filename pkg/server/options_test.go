package server

import (
	"testing"
	"time"
)

func TestCollectOptions(t *testing.T) {
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		opts    []Option
		wantNow time.Time // zero: no clock, the handler keeps time.Now
	}{
		{"none", nil, time.Time{}},
		{"clock", []Option{WithClock(func() time.Time { return fixed })}, fixed},
		{"last clock wins", []Option{
			WithClock(func() time.Time { return fixed.Add(-time.Hour) }),
			WithClock(func() time.Time { return fixed }),
		}, fixed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := collect(tt.opts)
			if tt.wantNow.IsZero() {
				if o.now != nil {
					t.Fatal("a clock is set without WithClock")
				}
				return
			}
			if o.now == nil || !o.now().Equal(tt.wantNow) {
				t.Fatalf("clock not taken from WithClock")
			}
		})
	}
}
