package proxy

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// repeatLogEvery spaces messages that every request may repeat: during a store
// outage every request fails the same way, and a client can send the same
// ignored header at will; one line per request would flood the log.
const repeatLogEvery = 10 * time.Second

// newRepeatLogger samples logger: the first entry of each message per
// repeatLogEvery is written, the rest are dropped.
func newRepeatLogger(logger *zap.Logger) *zap.Logger {
	return logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(c, repeatLogEvery, 1, 0)
	}))
}
