package tracing

import (
	"go.opentelemetry.io/otel"
	"go.uber.org/zap"
)

// LogErrorsTo sends the OpenTelemetry SDK's own errors (a collector that
// cannot be reached, a rejected export) to logger instead of the standard
// library's log on stderr. The SDK reports them through a process-wide
// handler, so this is for main to call once, not for a server to set.
func LogErrorsTo(logger *zap.Logger) {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("tracing", zap.Error(err))
	}))
}
