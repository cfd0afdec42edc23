package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// reloader is the part of the server a SIGHUP reaches.
type reloader interface{ Reload() error }

// reloadOnHangup installs the SIGHUP handler at once (before serving
// starts, so an early SIGHUP cannot kill the process, its default action)
// and then reloads the config on every SIGHUP until ctx ends. Reload logs
// and counts its own errors.
func reloadOnHangup(ctx context.Context, r reloader) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = r.Reload()
			}
		}
	}()
}
