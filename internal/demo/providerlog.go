package demo

import (
	"context"
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// providerLog receives the embedded provider's log lines. zitadel's example
// provider logs through slog's process-wide default and reports a wrong
// password as an ERROR "template error" (it logs every message it shows on
// the login form); the demo turns that into what it is, a failed sign-in,
// and writes everything in the demo's own format, warnings and above only.
type providerLog struct {
	logger *zap.Logger
	attrs  []slog.Attr
}

// templateError is the message zitadel's example provider logs for every
// error shown on its login form.
const templateError = "template error"

func newProviderLog(logger *zap.Logger) *providerLog {
	return &providerLog{logger: logger.Named("provider")}
}

func (h *providerLog) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn
}

func (h *providerLog) Handle(_ context.Context, r slog.Record) error {
	fields := make([]zap.Field, 0, len(h.attrs)+r.NumAttrs())
	for _, a := range h.attrs {
		fields = append(fields, zap.String(a.Key, a.Value.String()))
	}
	reason := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			reason = a.Value.String()
		}
		fields = append(fields, zap.String(a.Key, a.Value.String()))
		return true
	})
	if r.Message == templateError {
		// The form's message says why ("username or password wrong"); the
		// submitted values are never part of it.
		h.logger.Warn("sign-in at the demo provider failed", zap.String("reason", reason))
		return nil
	}
	if ce := h.logger.Check(zapLevel(r.Level), r.Message); ce != nil {
		ce.Write(fields...)
	}
	return nil
}

func (h *providerLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &providerLog{logger: h.logger, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

// WithGroup keeps the group's attributes flat: the provider does not use
// groups, and a flat line reads better on a terminal.
func (h *providerLog) WithGroup(string) slog.Handler { return h }

func zapLevel(l slog.Level) zapcore.Level {
	switch {
	case l >= slog.LevelError:
		return zapcore.ErrorLevel
	case l >= slog.LevelWarn:
		return zapcore.WarnLevel
	case l >= slog.LevelInfo:
		return zapcore.InfoLevel
	}
	return zapcore.DebugLevel
}

var _ slog.Handler = (*providerLog)(nil)
