package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/logging"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/sessionadmin"
)

// sessions wires `gatehouse sessions list|revoke` to package sessionadmin.
func sessions(args, env []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintf(stderr, "gatehouse sessions: want list or revoke\n\n%s", usage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("sessions "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "path to the YAML config file (empty: environment only)")
	user := fs.String("user", "", "the user's subject (claim sub)")
	var session *string
	var all *bool
	if sub == "revoke" {
		session = fs.String("session", "", "a session as `sessions list` prints it")
		all = fs.Bool("all", false, "every session")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path, env)
	if err != nil {
		printConfigErrors(stderr, err)
		return 1
	}
	if cfg.Session.Store != "redis" {
		fmt.Fprintln(stderr, "gatehouse sessions: session.store is memory; its sessions live inside the running gatehouse process only")
		return 1
	}
	logger, err := logging.New("warn", "console")
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	store, err := server.OpenStore(cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse:", err)
		return 1
	}
	defer store.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if sub == "list" {
		rows, err := sessionadmin.List(ctx, store, *user, cfg.Session.IdleTimeout)
		if err != nil {
			fmt.Fprintln(stderr, "gatehouse sessions list:", err)
			return 1
		}
		if err := sessionadmin.WriteTable(stdout, rows); err != nil {
			fmt.Fprintln(stderr, "gatehouse sessions list:", err)
			return 1
		}
		return 0
	}
	revoked, err := sessionadmin.Revoke(ctx, store, sessionadmin.Target{Subject: *user, Session: *session, All: *all})
	for _, h := range revoked {
		fmt.Fprintln(stdout, "revoked", h)
	}
	if errors.Is(err, sessionadmin.ErrTarget) {
		fmt.Fprintln(stderr, "gatehouse sessions revoke: give exactly one of --user, --session, --all")
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse sessions revoke:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d session(s) revoked\n", len(revoked))
	return 0
}
