package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The login storm: every user logging in at once (after a deploy, an outage
// or a cookie-secret rotation). Workers run the whole flow (protected page →
// provider form → callback → page) back to back against gatehouse and, in
// the same run, against oauth2-proxy, both on Redis, with the provider in a
// process of its own whose CPU is not the proxy's.

// oauth2ProxyEnv names the oauth2-proxy binary (scripts/build-oauth2-proxy.sh
// prints its path); unset, the script's cache path is tried.
const oauth2ProxyEnv = "GATEHOUSE_OAUTH2_PROXY"

// oauth2ProxyVersion is the release compared with (tools/oauth2-proxy).
const oauth2ProxyVersion = "v7.15.6"

// stormWorkers is how many browsers log in at once.
const stormWorkers = 32

// listenEnv makes a child listen on this address instead of a free port:
// the provider must know the callback URLs before the proxies start.
const listenEnv = "GATEHOUSE_BENCH_LISTEN"

// redirectsEnv carries the provider child's redirect URIs, comma-separated.
const redirectsEnv = "GATEHOUSE_BENCH_REDIRECTS"

// stormResult is one proxy's login storm, medians over the repetitions.
type stormResult struct {
	Config       string    `json:"config"`
	Workers      int       `json:"workers"`
	LoginsPerSec rpsSpread `json:"logins_per_second"`
	// CPUMsPerLogin is the proxy's CPU per login; ProviderCPUMsPerLogin the
	// provider's, for scale.
	CPUMsPerLogin         float64 `json:"cpu_ms_per_login"`
	ProviderCPUMsPerLogin float64 `json:"provider_cpu_ms_per_login"`
	Logins                int64   `json:"logins"`
	Errors                int64   `json:"errors"`
	FirstError            string  `json:"first_error,omitempty"`
}

// oauth2ProxyPath is the oauth2-proxy binary, or "" when it is not built.
func oauth2ProxyPath() string {
	p := os.Getenv(oauth2ProxyEnv)
	if p == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		p = filepath.Join(cache, "gatehouse", "oauth2-proxy-"+oauth2ProxyVersion)
	}
	if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
		return ""
	}
	return p
}

// storm starts the provider, a gatehouse and (when built) oauth2-proxy, each
// in its own process on a Redis of the storm's, and measures them
// alternately.
func (b *bench) storm(ctx context.Context) error {
	gwPort, err1 := freePort()
	o2pPort, err2 := freePort()
	idpPort, err3 := freePort()
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			return err
		}
	}
	gwURL := "http://127.0.0.1:" + strconv.Itoa(gwPort)
	o2pURL := "http://127.0.0.1:" + strconv.Itoa(o2pPort)
	issuer := "http://127.0.0.1:" + strconv.Itoa(idpPort)
	provider, err := b.child("storm-idp", []string{listenEnv + "=127.0.0.1:" + strconv.Itoa(idpPort),
		redirectsEnv + "=" + gwURL + "/oauth2/callback," + o2pURL + "/oauth2/callback"}, "-role", "idp")
	if err != nil {
		return err
	}
	redis, err := startRedis(b.pin, b.dir)
	if err != nil {
		return err
	}
	b.redises = append(b.redises, redis)

	env := append(append([]string{}, b.env...), "GATEHOUSE_OIDC_ISSUER="+issuer, "GATEHOUSE_SESSION_STORE=redis",
		"GATEHOUSE_SESSION_REDIS_ADDRESSES="+redis.addr, listenEnv+"=127.0.0.1:"+strconv.Itoa(gwPort))
	if b.o.profileDir != "" {
		env = append(env, profileEnv+"="+filepath.Join(b.o.profileDir, "storm-gatehouse.pprof"))
	}
	gw, err := b.child("storm-gatehouse", env, "-role", "gatehouse")
	if err != nil {
		return err
	}
	if err := waitReady(ctx, "http://"+gw.addrs[1]+"/readyz"); err != nil {
		return fmt.Errorf("storm gatehouse: %w (log: %s)", err, gw.log)
	}
	type proxy struct {
		name string
		url  string
		proc *child
	}
	proxies := []proxy{{"gatehouse (redis)", gwURL, gw}}
	if path := oauth2ProxyPath(); path == "" {
		b.res.StormNote = "oauth2-proxy " + oauth2ProxyVersion + " not built (scripts/build-oauth2-proxy.sh, or " + oauth2ProxyEnv + ")"
		fmt.Fprintln(os.Stderr, "bench: "+b.res.StormNote)
	} else {
		o2p, err := b.startOAuth2Proxy(ctx, path, o2pPort, o2pURL, issuer, redis.addr)
		if err != nil {
			return err
		}
		proxies = append(proxies, proxy{"oauth2-proxy " + oauth2ProxyVersion + " (redis)", o2pURL, o2p})
	}

	runs := make([][]stormRun, len(proxies))
	for rep := 1; rep <= b.o.reps; rep++ {
		for i, p := range proxies {
			r, err := b.stormWindow(ctx, p.url, issuer, p.proc, provider)
			if err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
			runs[i] = append(runs[i], r)
			fmt.Fprintf(os.Stderr, "bench: rep %d  login storm %s: %.0f logins/s, CPU %.2f ms/login, %d errors\n",
				rep, p.name, r.perSec, r.cpuMs, r.errors)
		}
	}
	for i, p := range proxies {
		b.res.Storm = append(b.res.Storm, summarizeStorm(p.name, runs[i]))
	}
	return nil
}

// stormRun is one measured window of a storm.
type stormRun struct {
	perSec, cpuMs, idpCPUMs float64
	logins, errors          int64
	firstErr                string
}

// summarizeStorm takes the medians over the runs and adds up the counts.
func summarizeStorm(name string, runs []stormRun) stormResult {
	s := stormResult{Config: name, Workers: stormWorkers}
	var ws []window
	var cpu, idpCPU []float64
	for _, r := range runs {
		ws = append(ws, window{RPS: r.perSec})
		cpu, idpCPU = append(cpu, r.cpuMs), append(idpCPU, r.idpCPUMs)
		s.Logins += r.logins
		s.Errors += r.errors
		if s.FirstError == "" {
			s.FirstError = r.firstErr
		}
	}
	s.LoginsPerSec = spreadOf(ws)
	s.CPUMsPerLogin, s.ProviderCPUMsPerLogin = median(cpu), median(idpCPU)
	return s
}

// stormWindow has stormWorkers browsers log in at base for the warmup and
// the window, and counts the logins that ended on the page.
func (b *bench) stormWindow(ctx context.Context, base, issuer string, proc, provider *child) (stormRun, error) {
	var measuring, stop atomic.Bool
	var logins, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range stormWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() && ctx.Err() == nil {
				_, _, err := login(base, issuer)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				logins.Add(1)
			}
		}()
	}
	sleep(ctx, b.o.warmup)
	cpu0, err0 := proc.cpuSeconds()
	idp0, err1 := provider.cpuSeconds()
	measuring.Store(true)
	start := time.Now()
	sleep(ctx, b.o.duration)
	measuring.Store(false)
	elapsed := time.Since(start)
	cpu1, err2 := proc.cpuSeconds()
	idp1, err3 := provider.cpuSeconds()
	stop.Store(true)
	wg.Wait()
	r := stormRun{logins: logins.Load(), errors: errs.Load()}
	r.firstErr, _ = firstErr.Load().(string)
	if r.logins == 0 {
		return r, fmt.Errorf("no login completed (first error: %s)", r.firstErr)
	}
	r.perSec = float64(r.logins) / elapsed.Seconds()
	r.cpuMs, r.idpCPUMs = (cpu1-cpu0)/float64(r.logins)*1000, (idp1-idp0)/float64(r.logins)*1000
	for _, err := range []error{err0, err1, err2, err3} {
		if err != nil {
			r.cpuMs, r.idpCPUMs = -1, -1
		}
	}
	return r, ctx.Err()
}

// startOAuth2Proxy runs oauth2-proxy against the provider on Redis, with the
// options a deployment in front of one app sets, and waits for its /ping.
func (b *bench) startOAuth2Proxy(ctx context.Context, path string, port int, public, issuer, redisAddr string) (*child, error) {
	upstream := "http://" + b.up.addrs[0]
	cmd := b.pin.command(path,
		"--http-address=127.0.0.1:"+strconv.Itoa(port),
		"--provider=oidc", "--oidc-issuer-url="+issuer,
		"--client-id=gatehouse-bench", "--client-secret="+benchClientSecret,
		"--redirect-url="+public+"/oauth2/callback",
		"--upstream="+upstream,
		"--cookie-secret="+strings.Repeat("b", 32), "--cookie-secure=false",
		"--email-domain=*", "--skip-provider-button=true",
		"--insecure-oidc-allow-unverified-email=true",
		"--session-store-type=redis", "--redis-connection-url=redis://"+redisAddr,
		"--request-logging=false", "--auth-logging=false")
	logPath := filepath.Join(b.dir, "oauth2-proxy.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start oauth2-proxy: %w", err)
	}
	c := &child{name: "oauth2-proxy", cmd: cmd, log: logPath, addrs: []string{"127.0.0.1:" + strconv.Itoa(port)}}
	b.procs = append(b.procs, c)
	if err := waitReady(ctx, public+"/ping"); err != nil {
		return nil, fmt.Errorf("oauth2-proxy: %w (log: %s)", err, logPath)
	}
	return c, nil
}

// listen is the child's listener: the address listenEnv names, or a free
// port.
func listen() (net.Listener, error) {
	addr := os.Getenv(listenEnv)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return net.Listen("tcp", addr)
}

// stormLines renders the login storm: each proxy's logins/s and CPU per
// login, and gatehouse's against oauth2-proxy's.
func (r *results) stormLines() string {
	var b strings.Builder
	if r.StormNote != "" {
		fmt.Fprintf(&b, "- Login storm: %s.\n", r.StormNote)
	}
	if len(r.Storm) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "\n| login storm (%d browsers at once, full flow, provider in its own process) | logins/s median (min–max) | proxy CPU ms/login | provider CPU ms/login | logins | errors |\n",
		r.Storm[0].Workers)
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Storm {
		fmt.Fprintf(&b, "| %s | %.0f (%.0f–%.0f) | %.2f | %.2f | %d | %d |\n", s.Config, s.LoginsPerSec.Median, s.LoginsPerSec.Min,
			s.LoginsPerSec.Max, s.CPUMsPerLogin, s.ProviderCPUMsPerLogin, s.Logins, s.Errors)
	}
	if len(r.Storm) > 1 {
		g, o := r.Storm[0], r.Storm[1]
		cpu := "n/a"
		if g.CPUMsPerLogin > 0 && o.CPUMsPerLogin > 0 {
			cpu = fmt.Sprintf("×%.2f", g.CPUMsPerLogin/o.CPUMsPerLogin)
		}
		fmt.Fprintf(&b, "\n- gatehouse against %s: logins/s %s, CPU per login %s (targets: ≥ ×2, ≤ ×0.5).\n",
			o.Config, ratioRange(g.LoginsPerSec, o.LoginsPerSec), cpu)
	}
	for _, s := range r.Storm {
		if s.Errors > 0 {
			fmt.Fprintf(&b, "- %s: %d failed logins during the storm (first: %s).\n", s.Config, s.Errors, s.FirstError)
		}
	}
	return b.String()
}
