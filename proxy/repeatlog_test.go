package proxy

import (
	"errors"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestOutageLoggerIsRateLimited(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	log := newRepeatLogger(zap.New(core))
	for range 500 {
		log.Error("session store unavailable", zap.Error(errors.New("connection refused")))
	}
	log.Info("another message") // other messages are not held back
	if n := logs.FilterMessage("session store unavailable").Len(); n != 1 {
		t.Errorf("%d lines for 500 failures within one interval, want 1", n)
	}
	if n := logs.FilterMessage("another message").Len(); n != 1 {
		t.Errorf("other message logged %d times, want 1", n)
	}
}
