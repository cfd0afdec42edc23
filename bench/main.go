// Command bench measures gatehouse against a bare httputil.ReverseProxy in
// front of the same upstream, on loopback, in one run. Run it with
//
//	go run ./bench [-duration 5s] [-concurrency 1,16,64] [-reps 3] [-json bench.json]
//	go run ./bench -smoke   # a few seconds: proves the benchmark still works
//
// It starts, each in a process of its own: a 1 KiB upstream, the bare proxy,
// and gatehouse with the memory store, with Redis and the client-side cache,
// and with Redis without it (all with the signed assertion). It logs in once
// per gatehouse through the real login flow (internal/demo/idp, served by this
// process), then drives authenticated GETs from this process, interleaving
// the configurations. With taskset and two or more cores, the servers and
// Redis run on core 0 and this process (the load generator and the
// provider) on core 1. The proxy's CPU time is read from /proc/PID/stat of
// its process around each measured window. See docs/performance.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// options are the benchmark's flags.
type options struct {
	duration, warmup time.Duration
	conns            []int
	reps             int
	jsonPath         string
	pin              bool
	redisApart       bool
	sessions         int
	logins           int
	smoke            bool
	profileDir       string
	request          string // minimal or browser (requestShape)
}

func main() {
	role := flag.String("role", "", "internal: run as a child server (upstream, bare, gatehouse)")
	upstream := flag.String("upstream", "", "internal: the bare proxy's upstream URL")
	var o options
	var conns string
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured length of each window")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each window")
	flag.StringVar(&conns, "concurrency", "1,16,64", "comma-separated connection counts")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of every configuration and concurrency")
	flag.StringVar(&o.jsonPath, "json", "bench-results.json", "where to write the results as JSON (empty: nowhere)")
	flag.BoolVar(&o.pin, "pin", true, "pin servers to core 0 and the load generator to core 1 with taskset, when available")
	flag.BoolVar(&o.redisApart, "redis-apart", false, "with -pin, run Redis on the load generator's core instead of the servers' (as a Redis on a machine of its own)")
	flag.IntVar(&o.sessions, "sessions", 100000, "live sessions for the scale measurement (created through the Redis store)")
	flag.IntVar(&o.logins, "logins", 50, "logins for the login round-trip median")
	flag.StringVar(&o.profileDir, "profile", "", "write each proxy's CPU profile (whole run) to DIR/NAME.pprof")
	flag.BoolVar(&o.smoke, "smoke", false, "a run of a few seconds that only proves the benchmark works")
	flag.StringVar(&o.request, "request", "minimal", "the authenticated GET sent: minimal (Go client: User-Agent, Accept, the session cookie) or browser (a browser's navigation headers and app cookies besides the session cookie)")
	flag.Parse()

	if *role != "" {
		if err := runRole(*role, *upstream); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		return
	}
	for _, c := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench: -concurrency: %q is not a positive number\n", c)
			os.Exit(2)
		}
		o.conns = append(o.conns, n)
	}
	if _, ok := requestShapes[o.request]; !ok {
		fmt.Fprintf(os.Stderr, "bench: -request: %q is neither minimal nor browser\n", o.request)
		os.Exit(2)
	}
	if o.smoke {
		o.duration, o.warmup, o.reps = 300*time.Millisecond, 100*time.Millisecond, 1
		o.conns = []int{1, 8}
		o.sessions, o.logins = 2000, 5
	}
	if o.pin && reexecPinned() {
		return
	}
	// The provider (zitadel's example OP) logs every request through slog's
	// default logger; its lines would bury the results.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// pinnedEnv marks the load generator as already running under taskset.
const pinnedEnv = "GATEHOUSE_BENCH_PINNED"

// reexecPinned runs this program again on core 1 under taskset, unless it
// already runs so, taskset is missing or there is one core. It reports
// whether it did (and the child has finished).
func reexecPinned() bool {
	if os.Getenv(pinnedEnv) != "" || runtime.NumCPU() < 2 {
		return false
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return false
	}
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	cmd := exec.Command("taskset", append([]string{"-c", "1", exe}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), pinnedEnv+"="+strconv.Itoa(runtime.NumCPU()))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt) // the child gets it too and cleans up
	if err := cmd.Run(); err != nil {
		if ee := new(exec.ExitError); errors.As(err, &ee) {
			os.Exit(ee.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	return true
}
