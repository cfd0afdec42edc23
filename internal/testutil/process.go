package testutil

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CachedTool returns the path of a program that a scripts/build-*.sh script
// builds once: $env when set, else ~/.cache/gatehouse/name (or under
// $XDG_CACHE_HOME). When it is missing the test is skipped, or fails with
// CI=true, with a message that says how to build it.
func CachedTool(t testing.TB, env, name, how string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		path = filepath.Join(cache, "gatehouse", name)
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("%s not found at %s: %s", name, path, how)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// Process is a program a test started.
type Process struct {
	done chan struct{}
}

// StartProcess starts cmd, sending whatever of its stdout and stderr the
// caller has not redirected to out, and at cleanup kills it, waits for it
// and logs out when the test failed.
func StartProcess(t testing.TB, label string, cmd *exec.Cmd, out interface {
	io.Writer
	String() string
}) *Process {
	t.Helper()
	if cmd.Stdout == nil {
		cmd.Stdout = out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = out
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", label, err)
	}
	p := &Process{done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", label, out.String())
		}
	})
	return p
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
