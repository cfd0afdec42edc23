package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

// OpenStore builds the session backend the config names, exactly as serve
// does, for the commands that work on sessions from outside a server.
func OpenStore(cfg *config.Config, logger *zap.Logger) (session.Backend, error) {
	return newStore(cfg, logger, prometheus.NewRegistry())
}
