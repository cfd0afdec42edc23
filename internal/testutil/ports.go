package testutil

import (
	"fmt"
	"net"
	"testing"
)

// Listen returns a TCP listener on a free port of 127.0.0.1. The caller owns
// it (usually a server that serves on it and closes it).
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// FreePort returns a port of 127.0.0.1 that was free a moment ago, for a
// server that binds its port itself and cannot report it (redis-server, nginx,
// Hydra). Another process may take the port in between; use Listen where the
// server accepts a listener.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := PickFreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// PickFreePort is FreePort for helpers that return an error instead of
// failing a test.
func PickFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
