package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testclock"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
	"github.com/gatehouse/gatehouse/proxy"
)

// gate is one running gatehouse with its provider and upstream.
type gate struct {
	URL      string // public URL, http://127.0.0.1:PORT
	OpsURL   string
	IDP      *testidp.IDP
	Upstream *recorder
	Redis    *redistest.Server // nil with the memory store
	// ConfigPath is the config file (withConfigFile), "" without one; the
	// gate reloads when it changes (reload_test.go).
	ConfigPath string
	// stop shuts the gate down as SIGTERM would and returns Serve's error;
	// later calls return the same. Cleanup calls it too.
	stop func() error
}

type options struct {
	store    string // "memory" or "redis"
	env      []string
	idpOpts  []testidp.Option
	upstream http.Handler
	file     string // YAML config file content (keys the environment cannot set)
	mainLn   net.Listener
	public   string  // public_url when another server (nginx) fronts gatehouse
	shared   *shared // set by withRedis (shared_test.go)
	provider *providerConfig
	noReady  bool // do not wait for /readyz (the provider is meant to fail)
	// proxyOpts reach proxy.New (injected clocks and tickers; withClock,
	// upgrade_test.go).
	proxyOpts []proxy.Option
	// logs, when set, gets every gate's log lines too (withLogs, reload_test.go).
	logs io.Writer
}

// providerConfig points gatehouse at a provider the test runs itself.
type providerConfig struct{ issuer, clientID, clientSecret string }

type option func(*options)

func withStore(store string) option { return func(o *options) { o.store = store } }
func withEnv(kv ...string) option   { return func(o *options) { o.env = append(o.env, kv...) } }
func withIDP(opts ...testidp.Option) option {
	return func(o *options) { o.idpOpts = append(o.idpOpts, opts...) }
}
func withUpstream(h http.Handler) option { return func(o *options) { o.upstream = h } }
func withConfigFile(yaml string) option  { return func(o *options) { o.file = yaml } }

// withClock runs every gate's request handler on c (clock_test.go).
func withClock(c *testclock.Clock) option {
	return func(o *options) { o.proxyOpts = append(o.proxyOpts, proxy.WithClock(c.Now)) }
}

// withProvider uses the provider at issuer instead of starting testidp
// (gate.IDP is then nil).
func withProvider(issuer, clientID, clientSecret string) option {
	return func(o *options) { o.provider = &providerConfig{issuer, clientID, clientSecret} }
}

// withoutReadyWait returns as soon as gatehouse is up, without waiting for
// /readyz: for providers whose discovery is meant to fail.
func withoutReadyWait() option { return func(o *options) { o.noReady = true } }

// withFront runs gatehouse on ln behind a front proxy that browsers reach at
// publicURL: gate.URL and the provider's redirect URI are then publicURL's.
func withFront(ln net.Listener, publicURL string) option {
	return func(o *options) { o.mainLn, o.public = ln, publicURL }
}
func withListener(ln net.Listener) option { return func(o *options) { o.mainLn = ln } }

// startGate starts a provider, an upstream, and gatehouse through the same
// config loading and server assembly that `gatehouse serve` uses.
func startGate(t *testing.T, opts ...option) *gate {
	t.Helper()
	return startGates(t, 1, opts...)[0]
}

// startGates starts n gatehouse instances that share one provider, one
// upstream, one config (cookie secrets included) and, with the redis store,
// one redis-server: replicas behind a load balancer. Each listens on its own
// port; a cookie of one is valid at the others (cookies ignore the port).
func startGates(t *testing.T, n int, opts ...option) []*gate {
	t.Helper()
	o := options{store: "memory"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.mainLn != nil && n != 1 {
		t.Fatal("withFront starts exactly one gate")
	}
	gates := make([]*gate, n)
	mainLns, opsLns := make([]net.Listener, n), make([]net.Listener, n)
	var redirects []string
	for i := range gates {
		mainLns[i], opsLns[i] = o.mainLn, testutil.Listen(t)
		if mainLns[i] == nil {
			mainLns[i] = testutil.Listen(t)
		}
		gates[i] = &gate{URL: "http://" + mainLns[i].Addr().String(), OpsURL: "http://" + opsLns[i].Addr().String()}
		if o.public != "" {
			gates[i].URL = o.public
		}
		redirects = append(redirects, gates[i].URL+"/oauth2/callback")
	}
	var idp *testidp.IDP
	provider := o.provider
	if provider == nil {
		idp = testidp.Start(t, redirects, o.idpOpts...)
		provider = &providerConfig{idp.Issuer, idp.ClientID, idp.ClientSecret}
	}
	upstream := newRecorder(t, o.upstream)
	var redis *redistest.Server
	var redisAddrs []string
	if o.store == "redis" {
		if o.shared != nil && o.shared.redisAddrs != nil {
			redis, redisAddrs = o.shared.redis, o.shared.redisAddrs
		} else {
			redis = redistest.Start(t)
			redisAddrs = []string{redis.Addr()}
		}
	}
	path := ""
	if o.file != "" {
		path = filepath.Join(t.TempDir(), "gatehouse.yaml")
		if err := os.WriteFile(path, []byte(o.file), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	secret := randomSecret()
	for i, g := range gates {
		g.IDP, g.Upstream, g.Redis = idp, upstream, redis
		env := []string{
			"GATEHOUSE_PUBLIC_URL=" + g.URL,
			"GATEHOUSE_UPSTREAM_URL=" + g.Upstream.URL,
			"GATEHOUSE_OIDC_ISSUER=" + provider.issuer,
			"GATEHOUSE_OIDC_CLIENT_ID=" + provider.clientID,
			"GATEHOUSE_OIDC_CLIENT_SECRET=" + provider.clientSecret,
			"GATEHOUSE_COOKIE_SECRETS=" + secret,
			"GATEHOUSE_SESSION_STORE=" + o.store,
			"GATEHOUSE_SERVER_SHUTDOWN_TIMEOUT=2s",
			// Tests log in from 127.0.0.1 far faster than people do; the
			// limit's own tests (loginabuse_test.go) set it again.
			"GATEHOUSE_SERVER_LOGIN_RATE_LIMIT=0",
		}
		if redisAddrs != nil {
			env = append(env, "GATEHOUSE_SESSION_REDIS_ADDRESSES="+strings.Join(redisAddrs, ","),
				"GATEHOUSE_SESSION_REDIS_TIMEOUT=500ms")
		}
		env = append(env, o.env...)
		cfg, err := config.Load(path, env)
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		srv, err := server.New(cfg, alsoLogTo(testLogger(t), o.logs).Named(fmt.Sprintf("gate%d", i)), o.proxyOpts...)
		if err != nil {
			t.Fatalf("server: %v", err)
		}
		if path != "" {
			g.ConfigPath = path
			srv.EnableReload(server.ReloadOptions{Path: path, Env: env})
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ctx, mainLns[i], opsLns[i]) }()
		var once sync.Once
		var serveErr error
		g.stop = func() error {
			once.Do(func() { cancel(); serveErr = <-done })
			return serveErr
		}
		t.Cleanup(func() {
			if err := g.stop(); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	for _, g := range gates {
		if o.noReady {
			g.waitUp(t)
		} else {
			g.waitReady(t)
		}
	}
	return gates
}

// testLogger logs to t until the test's cleanup has run. Lines from
// goroutines that outlive the test (a refresh that finishes after its client
// left) are dropped: testing forbids logging after a test has ended.
func testLogger(t *testing.T) *zap.Logger {
	w := &cutoffWriter{t: t}
	t.Cleanup(w.close) // registered first, so it runs after the servers' cleanup
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), zapcore.DebugLevel))
}

type cutoffWriter struct {
	mu     sync.Mutex
	t      *testing.T
	closed bool
}

func (w *cutoffWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *cutoffWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func (g *gate) waitReady(t *testing.T) { t.Helper(); g.waitFor(t, "/readyz") }
func (g *gate) waitUp(t *testing.T)    { t.Helper(); g.waitFor(t, "/healthz") }

func (g *gate) waitFor(t *testing.T, path string) {
	t.Helper()
	var err error
	ok := testutil.Poll(10*time.Second, func() bool {
		var resp *http.Response
		if resp, err = http.Get(g.OpsURL + path); err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !ok {
		t.Fatalf("gatehouse %s not OK after 10s (last: %v)", path, err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow redirects,
// so every hop can be checked.
type browser struct {
	*http.Client
	t *testing.T
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, Client: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// navigate is a browser GET of rawURL (Accept: text/html).
func (b *browser) navigate(rawURL string, header ...string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return b.do(req)
}

// api is a non-browser GET (Accept: application/json).
func (b *browser) api(rawURL string, header ...string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return b.do(req)
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	resp, err := b.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// startLogin opens gatehouse's /start for rd and returns the provider's
// authorization URL it redirected to.
func (b *browser) startLogin(g *gate, rd string) string {
	b.t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?rd=" + url.QueryEscape(rd))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("start: status %d, want 302", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, g.IDP.Issuer) {
		b.t.Fatalf("start redirected to %q, not to the provider %q", loc, g.IDP.Issuer)
	}
	return loc
}

// authorize logs in at the provider and returns gatehouse's callback URL.
func (b *browser) authorize(g *gate, authURL, user, password string) string {
	b.t.Helper()
	callback, err := g.IDP.Login(b.t, b.Client, authURL, user, password)
	if err != nil {
		b.t.Fatalf("provider login: %v", err)
	}
	if !strings.HasPrefix(callback, g.URL+"/oauth2/callback?") {
		b.t.Fatalf("provider sent the browser to %q, not to the callback", callback)
	}
	return callback
}

// login runs the whole flow for rd and returns where the callback redirected.
func (b *browser) login(g *gate, rd, user, password string) string {
	b.t.Helper()
	callback := b.authorize(g, b.startLogin(g, rd), user, password)
	resp := b.navigate(callback)
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("callback: status %d, want 302; body: %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

func (b *browser) loginAlice(g *gate) {
	b.t.Helper()
	b.login(g, "/", testidp.Alice.Username, testidp.Alice.Password)
}

// sessionCookie returns the browser's gatehouse session cookie value.
func (b *browser) sessionCookie(g *gate) string {
	u, _ := url.Parse(g.URL)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "gatehouse" {
			return c.Value
		}
	}
	return ""
}

// recorder is an upstream that records every request it got.
type recorder struct {
	URL string
	mu  sync.Mutex
	got []*http.Request
}

func newRecorder(t *testing.T, h http.Handler) *recorder {
	r := &recorder{}
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "hello from upstream")
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.got = append(r.got, req.Clone(context.Background()))
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *recorder) last(t *testing.T) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		t.Fatal("upstream received no request")
	}
	return r.got[len(r.got)-1]
}

// headerValues returns every value of every header whose name folds (case,
// '_' to '-') to name: what PHP would see as one variable.
func headerValues(h http.Header, name string) []string {
	fold := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }
	var out []string
	for k, vs := range h {
		if fold(k) == fold(name) {
			out = append(out, vs...)
		}
	}
	return out
}

func bothStores(t *testing.T, fn func(t *testing.T, store string)) {
	for _, store := range []string{"memory", "redis"} {
		t.Run(store, func(t *testing.T) { fn(t, store) })
	}
}

var errNoLocation = errors.New("no Location header")

func location(resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, errNoLocation
	}
	return url.Parse(loc)
}
