package redis

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

func TestLazyDeadline(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	parentWith := func() (context.Context, context.CancelFunc) {
		return context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	}
	for _, tc := range []struct {
		name string
		// run drives the context and returns the error it must end with.
		run     func(t *testing.T, parentCancel context.CancelFunc, c *lazyDeadline, release func()) error
		wantErr error
	}{
		{"released before anyone waited", func(_ *testing.T, _ context.CancelFunc, c *lazyDeadline, release func()) error {
			release()
			<-c.Done()
			return c.Err()
		}, context.Canceled},
		{"deadline passes while waiting", func(t *testing.T, _ context.CancelFunc, c *lazyDeadline, release func()) error {
			defer release()
			select {
			case <-c.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("Done never closed after the deadline")
			}
			return c.Err()
		}, context.DeadlineExceeded},
		{"parent canceled while waiting", func(t *testing.T, parentCancel context.CancelFunc, c *lazyDeadline, release func()) error {
			defer release()
			done := c.Done()
			parentCancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Done never closed after the parent was canceled")
			}
			return c.Err()
		}, context.Canceled},
		{"released after arming", func(_ *testing.T, _ context.CancelFunc, c *lazyDeadline, release func()) error {
			if err := c.Err(); err != nil {
				return err
			}
			release()
			<-c.Done()
			return c.Err()
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent, parentCancel := parentWith()
			defer parentCancel()
			deadline := time.Now().Add(50 * time.Millisecond)
			c, release := withLazyDeadline(parent, deadline, canceled)
			if got, ok := c.Deadline(); !ok || !got.Equal(deadline) {
				t.Fatalf("Deadline() = %v, %v; want %v, true", got, ok, deadline)
			}
			if v := c.Value(ctxKey{}); v != "v" {
				t.Fatalf("Value = %v, want the parent's value", v)
			}
			if err := tc.run(t, parentCancel, c, release); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Err() = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestLazyDeadlineKeepsEarlierParentDeadline: a parent that ends sooner
// bounds the call, as with context.WithDeadline.
func TestLazyDeadlineKeepsEarlierParentDeadline(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	soon := time.Now().Add(20 * time.Millisecond)
	parent, parentCancel := context.WithDeadline(context.Background(), soon)
	defer parentCancel()
	c, release := withLazyDeadline(parent, time.Now().Add(time.Hour), canceled)
	defer release()
	if got, _ := c.Deadline(); !got.Equal(soon) {
		t.Fatalf("Deadline() = %v, want the parent's %v", got, soon)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done never closed at the parent's deadline")
	}
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err() = %v, want DeadlineExceeded", err)
	}
}
