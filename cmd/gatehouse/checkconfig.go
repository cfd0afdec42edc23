package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/logging"
	"github.com/gatehouse/gatehouse/internal/preflight"
)

// checkConfig wires `gatehouse check-config`: errors always fail; unknown
// GATEHOUSE_* variables fail too, since check-config exists to catch the
// typo that serve would only warn about; warnings fail with --strict; online
// failures fail with --online.
func checkConfig(args, env []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "path to the YAML config file (empty: environment only)")
	online := fs.Bool("online", false, "also fetch the provider's discovery document and ping the session store")
	strict := fs.Bool("strict", false, "fail on warnings too")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path, env)
	unknown := config.UnknownEnv(env)
	for _, w := range unknown {
		fmt.Fprintln(stderr, "config error:", w)
	}
	if err != nil {
		printConfigErrors(stderr, err)
		return 1
	}
	warnings := cfg.Warnings()
	for _, w := range warnings {
		fmt.Fprintln(stderr, "config warning:", w)
	}
	failed := len(unknown) > 0 || (*strict && len(warnings) > 0)
	if *online {
		logger, err := logging.New("error", "console")
		if err != nil {
			fmt.Fprintln(stderr, "gatehouse:", err)
			return 1
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		for _, e := range preflight.Check(ctx, cfg, nil, logger) {
			fmt.Fprintln(stderr, "check failed:", e)
			failed = true
		}
	}
	if failed {
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// logWarnings logs, once at start, every unknown GATEHOUSE_* variable and
// every risky setting; serve runs anyway.
func logWarnings(logger *zap.Logger, cfg *config.Config, env []string) {
	for _, w := range config.UnknownEnv(env) {
		logger.Warn("unknown environment variable ignored", zap.String("variable", w.Key), zap.String("problem", w.Message))
	}
	for _, w := range cfg.Warnings() {
		logger.Warn("risky configuration", zap.String("key", w.Key), zap.String("problem", w.Message))
	}
}
