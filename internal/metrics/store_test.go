package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
)

// observingStore is a backend that keeps its own latency series, as the
// Redis store does: it records what the decorator hands it.
type observingStore struct {
	session.Backend
	calls []storeCall
}

type storeCall struct {
	op string
	d  time.Duration
}

func (o *observingStore) ObserveStoreCall(op string, d time.Duration) {
	o.calls = append(o.calls, storeCall{op, d})
}

// TestStoreCallsTimedOnce checks that a backend with series of its own gets
// each Store call's duration from the decorator, exactly the one the
// decorator observed: the call is timed once for both.
func TestStoreCallsTimedOnce(t *testing.T) {
	ctx := context.Background()
	s := &session.Session{ID: "abc", Subject: "alice", ExpiresAt: time.Now().Add(time.Hour)}
	tests := []struct {
		op, result string
		call       func(session.Backend) error
	}{
		{"load", "not_found", func(b session.Backend) error { _, err := b.Load(ctx, "missing"); return err }},
		{"save", "ok", func(b session.Backend) error { return b.Save(ctx, s, time.Hour) }},
		{"load", "ok", func(b session.Backend) error { _, err := b.Load(ctx, "abc"); return err }},
		{"update", "ok", func(b session.Backend) error { return b.Update(ctx, s, time.Hour) }},
		{"claim", "ok", func(b session.Backend) error { _, err := b.Claim(ctx, "k", time.Minute); return err }},
		{"delete", "ok", func(b session.Backend) error { return b.Delete(ctx, "abc") }},
		{"ping", "ok", func(b session.Backend) error { return b.Ping(ctx) }},
	}
	m := New(prometheus.NewPedanticRegistry())
	backend := &observingStore{Backend: memory.New()}
	store := m.InstrumentStore(backend)
	for i, tt := range tests {
		if err := tt.call(store); err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("%s: %v", tt.op, err)
		}
		if len(backend.calls) != i+1 {
			t.Fatalf("%s: the backend was handed %d durations for %d calls", tt.op, len(backend.calls), i+1)
		}
		got := backend.calls[i]
		if got.op != tt.op {
			t.Errorf("call %d: backend told op %q, want %q", i, got.op, tt.op)
		}
		var pb dto.Metric
		if err := m.storeDuration.WithLabelValues(tt.op, tt.result).(prometheus.Histogram).Write(&pb); err != nil {
			t.Fatal(err)
		}
		if h := pb.GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != got.d.Seconds() {
			t.Errorf("%s: the decorator observed %d calls, %vs; the backend was handed %v",
				tt.op, h.GetSampleCount(), h.GetSampleSum(), got.d)
		}
	}
}
