// Command gatehouse is an authenticating reverse proxy: OIDC login in front of
// applications that cannot be changed. This file only wires the command line to
// the packages that do the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/logging"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/tracing"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage: gatehouse <command> [flags]

commands:
  serve --config FILE          run the proxy (the default command)
  check-config --config FILE [--online] [--strict]
                               validate a config; exit 1 naming every error
                               (--online: reach the provider and the store;
                               --strict: fail on warnings too)
  demo                         everything on one machine: provider, app and proxy
  sessions list --config FILE [--user SUB]
                               list sessions (all, or one user's)
  sessions revoke --config FILE (--user SUB | --session HASH | --all)
                               end sessions on every replica at once
  keys generate --alg ES256    print a new assertion signing key (PEM; ES256 or EdDSA)
  version                      print the version
`

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

// howToStart is the one line for someone who ran gatehouse with nothing to
// serve: no --config and no GATEHOUSE_* variable.
const howToStart = "gatehouse: nothing is configured. To try it, run `gatehouse demo`; " +
	"to run it, `gatehouse serve --config FILE` (every key: config.example.yaml).\n"

func run(args, env []string, stdout, stderr io.Writer) int {
	// serve stays the default command for deployments configured by the
	// environment alone (containers); with nothing configured, a bare
	// `gatehouse` is someone looking for the commands.
	if len(args) == 0 && !configuredByEnv(env) {
		fmt.Fprint(stderr, usage, "\n", howToStart)
		return 2
	}
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		cmd, args = "help", args[1:]
	} else if len(args) > 0 && !isFlag(args[0]) {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, env, stderr)
	case "check-config":
		return checkConfig(args, env, stdout, stderr)
	case "demo":
		return runDemo(args, stdout, stderr)
	case "sessions":
		return sessions(args, env, stdout, stderr)
	case "keys":
		return keysCommand(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "gatehouse", version)
		return 0
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

func isFlag(s string) bool { return len(s) > 0 && s[0] == '-' }

// configuredByEnv reports whether any GATEHOUSE_* variable is set (an empty
// one counts as unset, as in the config).
func configuredByEnv(env []string) bool {
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GATEHOUSE_") && value != "" {
			return true
		}
	}
	return false
}

func configFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "path to the YAML config file (empty: environment only)")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	return *path, true
}

func printConfigErrors(w io.Writer, err error) {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			fmt.Fprintln(w, "config error:", e)
		}
		return
	}
	fmt.Fprintln(w, "config error:", err)
}

func serve(args, env []string, stderr io.Writer) int {
	path, ok := configFlag("serve", args, stderr)
	if !ok {
		return 2
	}
	cfg, err := config.Load(path, env)
	if err != nil {
		printConfigErrors(stderr, err)
		if path == "" && !configuredByEnv(env) {
			fmt.Fprint(stderr, howToStart)
		}
		return 1
	}
	level := zap.NewAtomicLevel() // log.level, changed by a reload
	logger, err := logging.NewWith(logging.Options{Level: cfg.Log.Level, Format: cfg.Log.Format, FlushInterval: cfg.Log.FlushInterval, Output: zapcore.Lock(zapcore.AddSync(stderr)), AtomicLevel: &level})
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	defer func() { _ = logger.Sync() }() // flushes the buffered lines
	logWarnings(logger, cfg, env)
	tracing.LogErrorsTo(logger.Named("tracing"))
	srv, err := server.New(cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	srv.EnableReload(server.ReloadOptions{Path: path, Env: env, Level: &level})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	reloadOnHangup(ctx, srv)
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	return 0
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 4180, "port of the demo on 127.0.0.1 (the provider uses the next one)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	logger, err := logging.New("warn", "console")
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := demo.Run(ctx, demo.Options{Port: *port, Out: stdout, Logger: logger}); err != nil {
		fmt.Fprintln(stderr, "gatehouse demo:", err)
		return 1
	}
	return 0
}

func keysCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "generate" {
		fmt.Fprintf(stderr, "usage: gatehouse keys generate [--alg ES256|EdDSA]\n")
		return 2
	}
	fs := flag.NewFlagSet("keys generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	alg := fs.String("alg", keys.ES256, "key algorithm: ES256 or EdDSA")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	name, _ := keys.NormalizeAlg(*alg)
	k, err := keys.Generate(name)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse keys generate:", err)
		return 2
	}
	pem, err := k.PEM()
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse keys generate:", err)
		return 1
	}
	_, _ = stdout.Write(pem)
	return 0
}
