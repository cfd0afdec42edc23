package logging

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

// syncBuffer is a WriteSyncer the test can read while the logger's flush
// goroutine writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}
func (s *syncBuffer) Sync() error { return nil }
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func TestNewWith(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		// wantBeforeSync: the line is out before Sync (unbuffered).
		wantBeforeSync bool
	}{
		{"unbuffered json", Options{Level: "info", Format: "json"}, true},
		{"unbuffered console", Options{Level: "debug", Format: "console"}, true},
		{"buffered json", Options{Level: "info", Format: "json", FlushInterval: time.Hour}, false},
		{"buffered console", Options{Level: "info", Format: "console", FlushInterval: time.Hour}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &syncBuffer{}
			tt.opts.Output = out
			logger, err := NewWith(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			logger.Debug("below info")
			logger.Info("request", zap.String("path", "/x"))
			if got := strings.Contains(out.String(), "request"); got != tt.wantBeforeSync {
				t.Fatalf("line written before Sync = %v, want %v (output %q)", got, tt.wantBeforeSync, out.String())
			}
			_ = logger.Sync()
			got := out.String()
			if !strings.Contains(got, "request") || !strings.Contains(got, "/x") {
				t.Fatalf("after Sync, output %q lacks the line", got)
			}
			if strings.Contains(got, "below info") != (tt.opts.Level == "debug") {
				t.Errorf("level %s: output %q", tt.opts.Level, got)
			}
		})
	}
}

func TestNewWithRefusesBadSettings(t *testing.T) {
	for _, o := range []Options{{Level: "loud", Format: "json"}, {Level: "info", Format: "xml", FlushInterval: time.Second}} {
		if _, err := NewWith(o); err == nil {
			t.Errorf("NewWith(%+v) = nil error", o)
		}
	}
}

// TestAtomicLevel: the holder of the level changes what the running logger
// writes (a config reload does this with log.level).
func TestAtomicLevel(t *testing.T) {
	out := &syncBuffer{}
	lvl := zap.NewAtomicLevel()
	logger, err := NewWith(Options{Level: "warn", Format: "json", Output: out, AtomicLevel: &lvl})
	if err != nil {
		t.Fatal(err)
	}
	if lvl.String() != "warn" {
		t.Fatalf("level %s after NewWith, want warn (from Level)", lvl)
	}
	logger.Info("quiet")
	lvl.SetLevel(zap.DebugLevel)
	logger.Debug("loud")
	if got := out.String(); strings.Contains(got, "quiet") || !strings.Contains(got, "loud") {
		t.Errorf("output %q: want only the line logged after the level was lowered", got)
	}
}
