// Package redistest starts a real redis-server for tests: standalone, with
// TLS, as a Cluster or as a Sentinel group, and inspects or disturbs it behind
// the store's back (keys, TTLs, stops and restarts). Tests run against the
// real thing rather than a fake so that reconnects, TTLs and errors behave as
// in production; each server gets its own free port and temp dir, so tests
// can run in parallel and never depend on a fixed port.
package redistest

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// readyTimeout bounds how long a freshly started server may take to answer PING.
const readyTimeout = 10 * time.Second

// Server is one redis-server process bound to 127.0.0.1. It can be stopped and
// started again on the same port to simulate an outage.
type Server struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	// args are the redis-server arguments for a port.
	args func(port int) []string
	// ready reports whether the server at addr accepts commands.
	ready func(addr string) error
	// tls is the client TLS configuration for a TLS-only server (StartTLS).
	tls *tls.Config

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}   // closed when cmd has exited
	out  *syncbuf.Buffer // stdout+stderr of every run, shown when the test fails
}

// Start runs a redis-server on a free port and registers its shutdown with
// t.Cleanup. It skips the test when redis-server is not installed, unless CI=true,
// where a missing server is a broken environment and fails the test.
func Start(t testing.TB) *Server {
	t.Helper()
	return startWith(t, nil)
}

// StartWith runs a redis-server like Start, with extra arguments appended
// (for example "--cluster-enabled", "yes").
func StartWith(t testing.TB, extra ...string) *Server {
	t.Helper()
	return startSpec(t, spec{extra: extra})
}

// StartSentinel runs a Sentinel that monitors the master at masterAddr under
// masterName, with a quorum of one so that a single Sentinel suffices.
func StartSentinel(t testing.TB, masterAddr, masterName string) *Server {
	t.Helper()
	return startSentinel(t, masterAddr, masterName, 1)
}

// startSentinel runs a Sentinel for masterName with the given quorum.
func startSentinel(t testing.TB, masterAddr, masterName string, quorum int) *Server {
	t.Helper()
	host, port, err := net.SplitHostPort(masterAddr)
	if err != nil {
		t.Fatalf("redistest: master address: %v", err)
	}
	return startWith(t, func(dir string, p int) []string {
		// Sentinel insists on a config file it can rewrite.
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n"+
			"sentinel monitor %s %s %s %d\nsentinel down-after-milliseconds %s 1000\n"+
			"sentinel failover-timeout %s 10000\n",
			p, dir, masterName, host, port, quorum, masterName, masterName)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatalf("redistest: write sentinel config: %v", err)
		}
		return []string{conf, "--sentinel", "--daemonize", "no", "--logfile", ""}
	})
}

func startWith(t testing.TB, sentinelArgs func(dir string, port int) []string) *Server {
	t.Helper()
	return startSpec(t, spec{args: sentinelArgs})
}

// spec says how to run one server. The zero value is a plain redis-server.
type spec struct {
	// args replaces the redis-server arguments (Sentinel).
	args func(dir string, port int) []string
	// extra is appended to the default arguments.
	extra []string
	// tls makes the server TLS-only: tlsArgs gives its arguments (files live
	// in dir) and client is the configuration to reach it.
	tlsArgs func(dir string) []string
	client  *tls.Config
}

func startSpec(t testing.TB, sp spec) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redistest: redis-server not found on PATH (CI=true, so this is an error): %v", err)
		}
		t.Skip("redis-server not installed; run the README test command")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), out: &syncbuf.Buffer{}, ready: ping, tls: sp.client}
	s.args = func(p int) []string { return append(s.serverArgs(p), sp.extra...) }
	switch {
	case sp.args != nil:
		s.args = func(p int) []string { return sp.args(s.dir, p) }
	case sp.tlsArgs != nil:
		s.args = func(p int) []string {
			args := append(s.serverArgs(p), sp.extra...)
			args[1] = "0" // no plain-text port: "--port", "0"
			return append(args, append([]string{"--tls-port", strconv.Itoa(p)}, sp.tlsArgs(s.dir)...)...)
		}
		s.ready = func(addr string) error { return pingTLS(addr, sp.client) }
	}
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("redistest: redis-server output:\n%s", s.out.String())
		}
	})
	// A free port found by listening on :0 can be taken by someone else before
	// redis binds it; try a few times rather than flake.
	for attempt := 0; ; attempt++ {
		s.port, err = testutil.PickFreePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if err = s.start(); err == nil {
			return s
		}
		if attempt == 2 {
			t.Fatalf("redistest: %v\nredis-server output:\n%s", err, s.out.String())
		}
	}
}

// Addr is host:port of the server.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// Stop kills the server and returns once its port refuses connections.
func (s *Server) Stop() {
	s.t.Helper()
	s.kill()
	deadline := time.Now().Add(readyTimeout)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			s.t.Fatalf("redistest: port %d still open after stop", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Start runs the server again on the same port (after Stop) and waits until it
// answers PING. The data is gone: the server keeps nothing on disk.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v\nredis-server output:\n%s", err, s.out.String())
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("redis-server on port %d is already running", s.port)
	}
	cmd := exec.Command(s.bin, s.args(s.port)...)
	cmd.Stdout = s.out
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-done:
			s.cmd, s.done = nil, nil
			return fmt.Errorf("redis-server on port %d exited during startup", s.port)
		default:
		}
		if s.ready(s.Addr()) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			s.cmd, s.done = nil, nil
			return fmt.Errorf("redis-server on port %d did not answer PING within %v", s.port, readyTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *Server) serverArgs(port int) []string {
	return []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", s.dir,
		"--logfile", "", // log to stdout, which we capture
		// Tests may block the server with DEBUG SLEEP to simulate overload.
		"--enable-debug-command", "local",
	}
}

// kill stops the process if it runs and waits for it to exit.
func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// ping speaks just enough RESP to know the server accepts commands.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	return pingConn(c)
}

func pingTLS(addr string, cfg *tls.Config) error {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 200 * time.Millisecond}, Config: cfg}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	return pingConn(c)
}

func pingConn(c net.Conn) error {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected PING reply %q", line)
	}
	return nil
}
