package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// target is one proxy under test.
type target struct {
	name   string // bare, memory, redis-cache, redis-nocache, redis-cache-headers-only, …
	proc   *child
	url    string // main listener
	redis  *redisServer
	cookie string // Cookie header of its logged-in session ("" for bare)
}

// bench is one run's state.
type bench struct {
	o       options
	pin     pinning
	dir     string
	issuer  string
	env     []string // GATEHOUSE_* shared by every gatehouse
	targets []*target
	// scaled is a second redis-cache gatehouse with its own Redis, filled
	// with many sessions and measured alternately with the first (scale).
	scaled  *target
	redises []*redisServer
	procs   []*child
	up      *child // the upstream
	res     results
}

func run(ctx context.Context, o options) error {
	b := &bench{o: o}
	if os.Getenv(pinnedEnv) != "" {
		b.pin.servers, b.pin.redis = "0", "0"
		if o.redisApart {
			b.pin.redis = "1"
		}
	}
	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return err
	}
	b.dir = dir
	defer b.cleanup()
	if err := b.start(ctx); err != nil {
		return err
	}
	b.res.describe(o, b.pin)
	fmt.Fprintf(os.Stderr, "bench: %s\n", b.res.Setup.Method)

	for rep := 1; rep <= o.reps; rep++ {
		for _, conns := range o.conns {
			for _, t := range b.targets { // interleaved: A B C D A B C D …
				w, err := b.window(ctx, t, conns, cycleOf(t.cookie), http.StatusOK)
				if err != nil {
					return fmt.Errorf("%s at %d connections: %w", t.name, conns, err)
				}
				w.Rep = rep
				b.res.Windows = append(b.res.Windows, w)
				fmt.Fprintf(os.Stderr, "bench: rep %d  %-14s c=%-3d %8.0f req/s  p50 %5.0f µs  p99 %6.0f µs\n",
					rep, t.name, conns, w.RPS, w.P50, w.P99)
			}
		}
	}
	b.extras(ctx)
	b.res.summarize()
	fmt.Print(b.res.markdown())
	if o.jsonPath != "" {
		if err := b.res.writeJSON(o.jsonPath); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: results written to %s\n", o.jsonPath)
	}
	if len(b.res.Errors) > 0 {
		return fmt.Errorf("%d measurements failed", len(b.res.Errors))
	}
	return nil
}

// start launches the upstream, the proxies, Redis and the provider, and logs
// in once to every gatehouse.
func (b *bench) start(ctx context.Context) error {
	idpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.issuer = "http://" + idpLn.Addr().String()

	up, err := b.child("upstream", nil, "-role", "upstream")
	if err != nil {
		return err
	}
	b.up = up
	upstreamURL := "http://" + up.addrs[0]
	var bareEnv []string
	if b.o.profileDir != "" {
		bareEnv = append(bareEnv, profileEnv+"="+filepath.Join(b.o.profileDir, "bare.pprof"))
	}
	bare, err := b.child("bare", bareEnv, "-role", "bare", "-upstream", upstreamURL)
	if err != nil {
		return err
	}
	b.targets = append(b.targets, &target{name: "bare", proc: bare, url: "http://" + bare.addrs[0]})

	if b.env, err = gatehouseEnv(upstreamURL, b.issuer); err != nil {
		return err
	}
	stores := []struct {
		name string
		env  []string
		file string // config file content, for what no variable can say
	}{
		{"memory", []string{"GATEHOUSE_SESSION_STORE=memory"}, ""},
		{"redis-cache", []string{"GATEHOUSE_SESSION_STORE=redis"}, ""}, // client_cache default 1m
		{"redis-nocache", []string{"GATEHOUSE_SESSION_STORE=redis", "GATEHOUSE_SESSION_REDIS_CLIENT_CACHE=0"}, ""},
		{scaledName, []string{"GATEHOUSE_SESSION_STORE=redis"}, ""},
	}
	stores = append(stores, headerChoices...)
	_, redisErr := exec.LookPath("redis-server")
	var redirects []string
	for _, s := range stores {
		t := &target{name: s.name}
		env := append(slices.Clone(b.env), s.env...)
		if strings.HasPrefix(s.name, "redis") {
			if redisErr != nil {
				fmt.Fprintf(os.Stderr, "bench: redis-server not found: skipping %s\n", s.name)
				if os.Getenv("CI") == "true" {
					return fmt.Errorf("CI=true and redis-server missing: %w", redisErr)
				}
				continue
			}
			if t.redis, err = startRedis(b.pin, b.dir); err != nil {
				return err
			}
			b.redises = append(b.redises, t.redis)
			env = append(env, "GATEHOUSE_SESSION_REDIS_ADDRESSES="+t.redis.addr)
		}
		if b.o.profileDir != "" {
			env = append(env, profileEnv+"="+filepath.Join(b.o.profileDir, s.name+".pprof"))
		}
		if s.file != "" {
			path := filepath.Join(b.dir, s.name+".yaml")
			if err := os.WriteFile(path, []byte(s.file), 0o600); err != nil {
				return err
			}
			env = append(env, configFileEnv+"="+path)
		}
		if t.proc, err = b.child(s.name, env, "-role", "gatehouse"); err != nil {
			return err
		}
		t.url = "http://" + t.proc.addrs[0]
		redirects = append(redirects, t.url+"/oauth2/callback")
		if s.name == scaledName {
			b.scaled = t
			continue
		}
		b.targets = append(b.targets, t)
	}

	provider, err := idp.New(idp.Options{
		Issuer: b.issuer, ClientID: "gatehouse-bench", ClientSecret: benchClientSecret,
		RedirectURIs: redirects, Users: []idp.User{benchUser},
	})
	if err != nil {
		return err
	}
	idpSrv := &http.Server{Handler: provider.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = idpSrv.Serve(idpLn) }()
	go func() { <-ctx.Done(); _ = idpSrv.Close() }()

	gates := b.targets[1:]
	if b.scaled != nil {
		gates = append(slices.Clone(gates), b.scaled)
	}
	for _, t := range gates {
		if err := waitReady(ctx, "http://"+t.proc.addrs[1]+"/readyz"); err != nil {
			return fmt.Errorf("%s: %w (log: %s)", t.name, err, t.proc.log)
		}
		if t.cookie, _, err = login(t.url, b.issuer); err != nil {
			return fmt.Errorf("%s: %w (log: %s)", t.name, err, t.proc.log)
		}
		if err := checkHeaderChoice(t, b.o.request); err != nil {
			return err
		}
		if t.name == "redis-cache" {
			// Right after the first login on an empty Redis: one session.
			if err := b.sessionMemory(ctx, t); err != nil {
				return err
			}
		}
	}
	return b.startBareIdentity(upstreamURL)
}

// startBareIdentity starts the second baseline, bare-identity: the bare
// proxy adding a fixed copy of the headers gatehouse sent upstream for the
// logged-in user. It separates what the identity headers cost by themselves
// from what gatehouse's own work costs.
func (b *bench) startBareIdentity(upstreamURL string) error {
	gate := b.target("redis-cache")
	if gate == nil {
		gate = b.target("memory")
	}
	added, err := gatehouseHeaders(gate, b.o.request)
	if err != nil {
		return fmt.Errorf("bare-identity: %w", err)
	}
	spec, err := json.Marshal(added)
	if err != nil {
		return err
	}
	c, err := b.child(bareIdentityName, []string{fixedHeadersEnv + "=" + string(spec)}, "-role", "bare", "-upstream", upstreamURL)
	if err != nil {
		return err
	}
	t := &target{name: bareIdentityName, proc: c, url: "http://" + c.addrs[0]}
	b.targets = slices.Insert(b.targets, 1, t)
	return nil
}

// bareIdentityName is the baseline that adds gatehouse's headers.
const bareIdentityName = "bare-identity"

// gatehouseHeaders asks the upstream's echo path, through gate, which headers
// gatehouse added to a logged-in request: all it received except what the
// load generator's client sends itself and what a bare proxy sets too.
func gatehouseHeaders(gate *target, shapeName string) (http.Header, error) {
	req, err := http.NewRequest(http.MethodGet, gate.url+echoHeadersPath, nil)
	if err != nil {
		return nil, err
	}
	shape := requestShapes[shapeName]
	for k, v := range shape.header {
		req.Header[k] = v
	}
	req.Header.Set("Cookie", shape.cookieHeader(gate.cookie))
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s through %s: status %d", echoHeadersPath, gate.name, resp.StatusCode)
	}
	var got http.Header
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		return nil, err
	}
	// Kept: what gatehouse added or changed (the Cookie line loses the
	// session cookie). Dropped: what the client sent as it arrived, and
	// what a bare proxy or its transport sets too.
	for k, v := range got {
		if sent, ok := req.Header[k]; ok && slices.Equal(sent, v) {
			delete(got, k)
		}
	}
	delete(got, "Accept-Encoding")
	delete(got, "X-Forwarded-For")
	if len(got) == 0 {
		return nil, fmt.Errorf("%s added no headers", gate.name)
	}
	return got, nil
}

// scaledName is the gatehouse of the scale measurement.
const scaledName = "redis-cache-scale"

// benchClientSecret is the provider's client secret: a local, throwaway value.
const benchClientSecret = "gatehouse-bench-client-secret"

// gatehouseEnv is the configuration shared by every gatehouse under test:
// defaults (access log at info, assertion on) except what a benchmark must
// set. The assertion key is generated here so the children share it and do
// not warn about a generated key.
func gatehouseEnv(upstreamURL, issuer string) ([]string, error) {
	k, err := keys.Generate(keys.ES256)
	if err != nil {
		return nil, err
	}
	pem, err := k.PEM()
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return []string{
		"GATEHOUSE_UPSTREAM_URL=" + upstreamURL,
		"GATEHOUSE_OIDC_ISSUER=" + issuer,
		"GATEHOUSE_OIDC_CLIENT_ID=gatehouse-bench",
		"GATEHOUSE_OIDC_CLIENT_SECRET=" + benchClientSecret,
		"GATEHOUSE_COOKIE_SECRETS=" + base64.StdEncoding.EncodeToString(secret),
		"GATEHOUSE_IDENTITY_ASSERTION_KEYS=" + string(pem),
		// The login round trip logs in 50 times from one address at once.
		"GATEHOUSE_SERVER_LOGIN_RATE_LIMIT=0",
	}, nil
}

func (b *bench) child(name string, env []string, args ...string) (*child, error) {
	c, err := startChild(b.pin, b.dir, name, env, args...)
	if err != nil {
		return nil, err
	}
	b.procs = append(b.procs, c)
	return c, nil
}

func (b *bench) cleanup() {
	for _, c := range b.procs {
		c.stop()
	}
	for _, r := range b.redises {
		r.stop()
	}
	_ = os.RemoveAll(b.dir)
}

// window measures one configuration at one concurrency.
func (b *bench) window(ctx context.Context, t *target, conns int, cookies *cookieCycle, status int) (window, error) {
	var cpu0, cpu1, up0, up1 float64
	var cmd0, cmd1 int64
	var errs []error
	around := func(start bool) {
		cpu, err := t.proc.cpuSeconds()
		errs = append(errs, err)
		up, err := b.up.cpuSeconds()
		errs = append(errs, err)
		var calls int64
		if t.redis != nil {
			calls, err = t.redis.commandCalls(ctx)
			errs = append(errs, err)
		}
		if start {
			cpu0, cmd0, up0 = cpu, calls, up
		} else {
			cpu1, cmd1, up1 = cpu, calls, up
		}
	}
	lr, err := runLoad(ctx, loadSpec{
		url: t.url + "/bench-page", conns: conns, warmup: b.o.warmup, duration: b.o.duration,
		wantStatus: status, cookies: cookies, shape: requestShapes[b.o.request],
	}, around)
	if err != nil {
		return window{}, err
	}
	w := window{
		Config: t.name, Conns: conns, Requests: lr.Requests, RPS: lr.RPS,
		P50: micros(lr.P50), P99: micros(lr.P99),
		CPUPer10k:         (cpu1 - cpu0) / float64(lr.Requests) * 10000,
		UpstreamCPUPer10k: (up1 - up0) / float64(lr.Requests) * 10000,
	}
	for _, e := range errs {
		if e != nil {
			w.CPUPer10k, w.UpstreamCPUPer10k = -1, -1 // not on Linux: unknown
		}
	}
	if t.redis != nil {
		per := float64(cmd1-cmd0) / float64(lr.Requests)
		w.RedisCmdsPerReq = &per
	}
	return w, nil
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }

func (b *bench) target(name string) *target {
	for _, t := range b.targets {
		if t.name == name {
			return t
		}
	}
	return nil
}
