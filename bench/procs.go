package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ). It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// child is a process the benchmark started.
type child struct {
	name  string
	cmd   *exec.Cmd
	addrs []string // what the child printed after "ready"
	log   string   // its stderr
}

// pinning places the servers and the load generator on separate cores.
type pinning struct {
	servers string // taskset CPU list for servers; "" runs unpinned
	// redis is Redis's CPU list: the servers' unless -redis-apart puts it
	// on the load generator's core, as a Redis on a machine of its own.
	redis string
}

func (p pinning) command(name string, args ...string) *exec.Cmd {
	return taskset(p.servers, name, args...)
}

// redisCommand starts redis-server where the pinning puts Redis.
func (p pinning) redisCommand(args ...string) *exec.Cmd {
	return taskset(p.redis, "redis-server", args...)
}

func taskset(cpus, name string, args ...string) *exec.Cmd {
	if cpus == "" {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpus, name}, args...)...)
}

// startChild starts this program again in role and waits for its ready line.
func startChild(pin pinning, dir, name string, env []string, args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := pin.command(exe, args...)
	cmd.Env = append(os.Environ(), env...)
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own descriptor
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 1 && f[0] == "ready" {
				c.addrs = f[1:]
				ready <- nil
				break
			}
		}
		ready <- errors.New("exited before it was ready")
		_, _ = bufio.NewReader(out).WriteTo(discard{})
	}()
	select {
	case err = <-ready:
	case <-time.After(30 * time.Second):
		err = errors.New("not ready after 30s")
	}
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("%s %w (log: %s)", name, err, logPath)
	}
	return c, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (c *child) stop() {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = c.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = c.cmd.Process.Kill()
			<-done
		}
	}
}

// pid is the server's own process id. Under taskset the child is exec'd in
// place of taskset, so the id is the same.
func (c *child) pid() int { return c.cmd.Process.Pid }

// cpuSeconds is the user+system CPU time the child has used so far, read
// from /proc/PID/stat (all threads, 10 ms resolution).
func (c *child) cpuSeconds() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid()))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the rest follows ") ".
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", c.pid())
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(utime+stime) / clockTicks, nil
}

// rssMiB is the child's resident memory (VmRSS).
func (c *child) rssMiB() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.pid()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// waitReady polls url until it answers 200.
func waitReady(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort returns a port that was free a moment ago (for redis-server,
// which cannot report the port it bound).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
