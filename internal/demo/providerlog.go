package demo

import (
	"context"
	"log/slog"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// providerLog receives the embedded provider's log lines. zitadel's example
// provider logs through slog's process-wide default; the demo writes them in
// its own format, warnings and above only. Failed sign-ins are not among
// them: the provider's own login form reports those (idp.Options.LoginFailed).
type providerLog struct {
	logger *zap.Logger
	attrs  []slog.Attr
}

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
	r.Attrs(func(a slog.Attr) bool {
		fields = append(fields, zap.String(a.Key, a.Value.String()))
		return true
	})
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
