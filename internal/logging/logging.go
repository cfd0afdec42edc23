// Package logging builds gatehouse's zap logger from the log settings.
package logging

import (
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a logger writing every line to stderr at once, at level
// ("debug", "info", "warn", "error") in format ("json" for machines,
// "console" for humans).
func New(level, format string) (*zap.Logger, error) {
	return NewWith(Options{Level: level, Format: format})
}

// Options configure NewWith.
type Options struct {
	Level, Format string
	// FlushInterval, when positive, buffers the output (up to bufferSize)
	// and writes it at least this often, instead of one write per line. An
	// access line per request then costs no system call; the price is that
	// lines appear up to FlushInterval late, and a process killed outright
	// loses that much. Sync (called on shutdown) flushes; so does every
	// entry above error level.
	FlushInterval time.Duration
	// Output is where lines go (default stderr).
	Output zapcore.WriteSyncer
	// AtomicLevel, when set, becomes the logger's level (set to Level
	// first): whoever holds it changes the level of the running logger, as
	// a config reload does.
	AtomicLevel *zap.AtomicLevel
}

// bufferSize bounds the buffered output: a full buffer is written at once.
const bufferSize = 256 << 10

// NewWith is New with options.
func NewWith(o Options) (*zap.Logger, error) {
	level, format := o.Level, o.Format
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log.level: %w", err)
	}
	var cfg zap.Config
	switch format {
	case "", "json":
		cfg = zap.NewProductionConfig()
		cfg.EncoderConfig.TimeKey = "time"
		cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	case "console":
		cfg = zap.NewDevelopmentConfig()
		cfg.DisableStacktrace = true
	default:
		return nil, fmt.Errorf("log.format: %q is not json or console", format)
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	if o.AtomicLevel != nil {
		o.AtomicLevel.SetLevel(lvl)
		cfg.Level = *o.AtomicLevel
	}
	// Sampling would drop access lines under load; operators expect one per request.
	cfg.Sampling = nil
	out := o.Output
	if out == nil {
		out = zapcore.Lock(os.Stderr)
	}
	if o.FlushInterval > 0 {
		out = &zapcore.BufferedWriteSyncer{WS: out, Size: bufferSize, FlushInterval: o.FlushInterval}
	}
	var enc zapcore.Encoder
	if cfg.Encoding == "console" {
		enc = zapcore.NewConsoleEncoder(cfg.EncoderConfig)
	} else {
		enc = zapcore.NewJSONEncoder(cfg.EncoderConfig)
	}
	core := zapcore.NewCore(enc, out, cfg.Level)
	opts := []zap.Option{zap.WrapCore(func(zapcore.Core) zapcore.Core { return core })}
	logger, err := cfg.Build(opts...)
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	return logger, nil
}
