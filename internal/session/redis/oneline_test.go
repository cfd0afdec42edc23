package redis

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
)

// TestUnavailableIsOneLine: an outage error is logged once per event, so it
// must be one line, and still match session.ErrUnavailable and its cause.
func TestUnavailableIsOneLine(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Addr(), "gatehouse:", zaptest.NewLogger(t))
	srv.Stop()
	err := s.Ping(context.Background())
	if err == nil {
		t.Fatal("ping of a stopped redis succeeded")
	}
	if !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("%v does not match session.ErrUnavailable", err)
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error spans lines: %q", err.Error())
	}
}
