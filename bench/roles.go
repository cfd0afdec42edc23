package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/demo/idp"
	"github.com/gatehouse/gatehouse/internal/logging"
	"github.com/gatehouse/gatehouse/internal/server"
)

// The benchmark runs every server in a process of its own, so that the CPU
// time the kernel accounts to a process (/proc/PID/stat) is exactly that
// server's: the bench process itself only generates load. A child prints one
// line "ready ADDR [OPS_ADDR]" on stdout once it listens, then serves until
// it is killed.

// profileEnv names the file a proxy child writes its CPU profile to (set by
// -profile).
const profileEnv = "GATEHOUSE_BENCH_CPUPROFILE"

// upstreamBody is the upstream's response: 1 KiB, the size the issue's
// field figures used.
var upstreamBody = bytes.Repeat([]byte("gatehouse benchmark upstream 1 KiB body.\n"), 25)[:1024]

// runRole runs the child named role; it returns only on error.
func runRole(role, upstream string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if path := os.Getenv(profileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ln, err := listen() // storm.go
	if err != nil {
		return err
	}
	switch role {
	case "idp":
		return runProvider(ctx, ln)
	case "upstream":
		fmt.Printf("ready %s\n", ln.Addr())
		return serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == echoHeadersPath {
				// What a proxy sent: how the bench copies gatehouse's
				// headers into the bare-identity baseline.
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(r.Header)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(upstreamBody)
		}))
	case "bare":
		target, err := url.Parse(upstream)
		if err != nil {
			return err
		}
		rp := httputil.NewSingleHostReverseProxy(target)
		rp.Transport = bareTransport()
		rp.BufferPool = &copyBuffers{}
		h, err := withFixedHeaders(rp, os.Getenv(fixedHeadersEnv))
		if err != nil {
			return err
		}
		fmt.Printf("ready %s\n", ln.Addr())
		return serve(ctx, ln, h)
	case "gatehouse":
		return runGatehouse(ctx, ln)
	}
	return fmt.Errorf("unknown role %q", role)
}

// echoHeadersPath is the upstream path that answers with the request's
// headers as JSON.
const echoHeadersPath = "/bench-echo-headers"

// fixedHeadersEnv carries, as JSON, the headers the bare-identity baseline
// adds to every request.
const fixedHeadersEnv = "GATEHOUSE_BENCH_FIXED_HEADERS"

// withFixedHeaders returns next, or a handler that sends the headers in spec
// (JSON of an http.Header; "" adds none) on every request through next. The
// client's Cookie line is dropped first: gatehouse removes its own cookie,
// and what it forwards, if anything, is in spec. With gatehouse's headers
// copied in, this baseline prices the identity headers themselves (writing
// them, and the upstream parsing them) apart from the work gatehouse does to
// produce them.
func withFixedHeaders(next http.Handler, spec string) (http.Handler, error) {
	if spec == "" {
		return next, nil
	}
	var fixed http.Header
	if err := json.Unmarshal([]byte(spec), &fixed); err != nil {
		return nil, fmt.Errorf("%s: %w", fixedHeadersEnv, err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delete(r.Header, "Cookie")
		for k, v := range fixed {
			r.Header[k] = v // never changed by the proxy: shared safely
		}
		next.ServeHTTP(w, r)
	}), nil
}

// bareTransport is the baseline's transport: Go's defaults, except as many
// idle upstream connections as gatehouse keeps (proxy/upstream.go). With
// Go's default of two idle connections per host, a bare proxy under load
// opens a new TCP connection for most requests and reaches about half its
// throughput; that would flatter gatehouse.
func bareTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return t
}

// copyBuffers pools the body copy buffers, as gatehouse does
// (proxy/upstream.go): without a pool ReverseProxy allocates 32 KiB per
// request, and the baseline would be slower than a tuned Go proxy can be.
type copyBuffers struct{ pool sync.Pool }

func (c *copyBuffers) Get() []byte {
	if b, ok := c.pool.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, 32<<10)
}

func (c *copyBuffers) Put(b []byte) { c.pool.Put(&b) }

func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// runGatehouse runs gatehouse's real server (internal/server, as `gatehouse run`
// does) configured by the GATEHOUSE_* environment the parent passes. Its
// public URL is its own listener, known only here.
func runGatehouse(ctx context.Context, ln net.Listener) error {
	ops, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	env := append(os.Environ(), "GATEHOUSE_PUBLIC_URL=http://"+ln.Addr().String())
	if public := os.Getenv(replicaOfEnv); public != "" {
		// A second replica behind the same name: the first's public URL
		// (issuer, cookies), and its own address admitted as a Host.
		env = append(env, "GATEHOUSE_PUBLIC_URL="+public, "GATEHOUSE_SERVER_ALLOWED_HOSTS="+ln.Addr().String())
	}
	cfg, err := config.Load(os.Getenv(configFileEnv), env)
	if err != nil {
		return err
	}
	logger, err := logging.NewWith(logging.Options{Level: cfg.Log.Level, Format: cfg.Log.Format, FlushInterval: cfg.Log.FlushInterval})
	if err != nil {
		return err
	}
	srv, err := server.New(cfg, logger)
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()
	fmt.Printf("ready %s %s\n", ln.Addr(), ops.Addr())
	return srv.Serve(ctx, ln, ops)
}

// runProvider serves the demo provider (internal/demo/idp) with the bench's
// one user and client, for the redirect URIs the parent passes: the login
// storm's provider, in a process of its own.
func runProvider(ctx context.Context, ln net.Listener) error {
	issuer := "http://" + ln.Addr().String()
	p, err := idp.New(idp.Options{
		Issuer: issuer, ClientID: "gatehouse-bench", ClientSecret: benchClientSecret,
		RedirectURIs: strings.Split(os.Getenv(redirectsEnv), ","), Users: []idp.User{benchUser},
	})
	if err != nil {
		return err
	}
	// The provider logs every request through slog's default logger.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	fmt.Printf("ready %s\n", ln.Addr())
	return serve(ctx, ln, p.Handler())
}
