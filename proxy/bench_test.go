package proxy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
)

// The benchmarks here measure the authenticated request path piece by piece
// and whole (BenchmarkProxy, against a bare httputil.ReverseProxy). They
// report; they assert nothing about time. The load benchmark over real
// processes is bench/ (go run ./bench).

// hotPath is a handler with one logged-in session in store.
type hotPath struct {
	cfg     *config.Config
	store   session.Backend
	oidc    *oidcclient.Client
	h       *Handler
	session *session.Session
	cookie  string // the session cookie's value
}

// newHotPath builds a handler in front of upstreamURL with a session whose
// record has realistic sizes (sealed tokens of the test provider's size).
// store nil means the memory store.
func newHotPath(b testing.TB, upstreamURL string, store session.Backend) *hotPath {
	b.Helper()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	cfg, err := config.Load("", []string{
		"GATEHOUSE_PUBLIC_URL=http://127.0.0.1:4180",
		"GATEHOUSE_UPSTREAM_URL=" + upstreamURL,
		"GATEHOUSE_OIDC_ISSUER=http://127.0.0.1:1", // never contacted: no login happens
		"GATEHOUSE_OIDC_CLIENT_ID=bench",
		"GATEHOUSE_OIDC_CLIENT_SECRET=bench",
		"GATEHOUSE_COOKIE_SECRETS=" + base64.StdEncoding.EncodeToString(secret),
		"GATEHOUSE_SESSION_STORE=memory",
	})
	if err != nil {
		b.Fatal(err)
	}
	if store == nil {
		store = memory.New()
	}
	p := &hotPath{cfg: cfg, store: store, oidc: oidcclient.New(oidcclient.Options{Issuer: cfg.OIDC.Issuer}, zap.NewNop())}
	p.h = p.handler(b, zap.NewNop())
	p.session, p.cookie = p.addSession(b, providerSizedTokens())
	return p
}

// providerSizedTokens are random tokens of the test provider's sizes (bench/
// reports them): ID token ~880 bytes, opaque access token ~290, refresh
// token ~40. Random base64, because sealing compresses the tokens: repeated
// letters would shrink to nothing where real tokens shrink by about a
// quarter, and the record would be unrealistically small.
func providerSizedTokens() session.Tokens {
	random := func(n int) string {
		buf := make([]byte, n*3/4)
		_, _ = rand.Read(buf)
		return base64.RawURLEncoding.EncodeToString(buf)
	}
	return session.Tokens{IDToken: random(880), AccessToken: random(290), RefreshToken: random(40)}
}

// addSession logs a new session with tokens in, straight into the store, and
// returns it with its session cookie's value.
func (p *hotPath) addSession(b testing.TB, tokens session.Tokens) (*session.Session, string) {
	b.Helper()
	now := time.Now()
	key := session.NewKey()
	s := &session.Session{
		ID: session.NewID(), Subject: "alice-id", Email: "alice@example.com", Name: "Alice Admin",
		PreferredUsername: "alice", Groups: []string{"admins", "staff"},
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
	}
	var err error
	if s.Sealed, err = session.Seal(key, s.ID, tokens); err != nil {
		b.Fatal(err)
	}
	if err := p.store.Save(context.Background(), s, time.Hour); err != nil {
		b.Fatal(err)
	}
	cookie, err := p.h.cookies.sessions.Encode(p.h.cookies.sessionName, sessionRef{ID: s.ID, Key: key})
	if err != nil {
		b.Fatal(err)
	}
	return s, cookie
}

func (p *hotPath) handler(b testing.TB, logger *zap.Logger) *Handler {
	// Metrics as in a real server: their cost belongs to the request path.
	h, err := New(p.cfg, p.store, p.oidc, metrics.New(prometheus.NewRegistry()), logger)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

// request is a browser's GET of a protected page with the session cookie.
func (p *hotPath) request() *http.Request { return p.requestWith(p.cookie) }

// requestWith is request with another session cookie value.
func (p *hotPath) requestWith(cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4180/page", nil)
	r.RemoteAddr = "127.0.0.1:50000"
	r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	r.Header.Set("Accept-Language", "en-US,en;q=0.5")
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	r.Header.Set("Cookie", "theme=dark; "+p.h.cookies.sessionName+"="+cookie+"; app_session=abc123")
	return r
}

func newUpstream(b *testing.B) *httptest.Server {
	u := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	b.Cleanup(u.Close)
	return u
}

// BenchmarkProxy measures an authenticated proxied request (cookie decode,
// memory store, identity headers, upstream round trip over loopback) with and
// without the signed assertion and with the access log on, and a bare
// httputil.ReverseProxy to the same upstream as the baseline.
func BenchmarkProxy(b *testing.B) {
	upstream := newUpstream(b)
	p := newHotPath(b, upstream.URL, nil)
	run := func(b *testing.B, handler http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, p.request())
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	}

	target, _ := url.Parse(upstream.URL)
	bare := httputil.NewSingleHostReverseProxy(target)
	bare.Transport = newTransport()
	bare.BufferPool = newBufferPool() // a tuned Go proxy pools its copy buffers, as gatehouse does
	b.Run("bare-reverseproxy", func(b *testing.B) { run(b, bare) })

	// The identity headers only: identity.assertion.enabled false.
	off := *p
	cfg := *p.cfg
	cfg.Identity.Assertion.Enabled = false
	off.cfg = &cfg
	without := off.handler(b, zap.NewNop())
	b.Run("gatehouse-without-assertion", func(b *testing.B) { run(b, without) })

	b.Run("gatehouse-with-assertion", func(b *testing.B) { run(b, p.handler(b, zap.NewNop())) })

	// The default: access log at info, JSON (here to io.Discard).
	b.Run("gatehouse-with-access-log", func(b *testing.B) { run(b, p.handler(b, jsonLogger(zapcore.InfoLevel))) })
}

func jsonLogger(level zapcore.Level) *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), level), zap.AddCaller()) // as internal/logging
}

// BenchmarkHotPath measures the pieces of an authenticated request that are
// gatehouse's own, without the upstream round trip.
func BenchmarkHotPath(b *testing.B) {
	p := newHotPath(b, "http://127.0.0.1:1", nil)
	ctx := context.Background()

	b.Run("cookie-decode", func(b *testing.B) {
		r := p.request()
		b.ReportAllocs()
		for b.Loop() {
			if refs := p.h.cookies.sessionRefs(nil, r); len(refs) != 1 {
				b.Fatal("no session ref")
			}
		}
	})
	b.Run("session-load-memory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.store.Load(ctx, p.session.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("session-load-redis-cache-hit", func(b *testing.B) {
		if _, err := exec.LookPath("redis-server"); err != nil {
			b.Skip("redis-server not installed")
		}
		st := newRedisStore(b)
		if err := st.Save(ctx, p.session, time.Hour); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.Load(ctx, p.session.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("authenticate", func(b *testing.B) {
		r := p.request()
		b.ReportAllocs()
		for b.Loop() {
			if auth, err := p.h.authenticate(r); auth == nil || err != nil {
				b.Fatal("not authenticated", err)
			}
		}
	})
	b.Run("assertion-reuse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.h.asserter.Assertion(p.session); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rewrite-headers", func(b *testing.B) {
		// Strip, forwarding headers, own cookies removed, identity and
		// assertion set: the whole Rewrite hook on a browser's request.
		target, _ := url.Parse("http://127.0.0.1:8080")
		rewrite := p.h.rewrite(target)
		in := p.request().WithContext(context.WithValue(ctx, requestStateKey{},
			&requestState{id: "0123456789abcdef0123456789abcdef", auth: &authenticated{session: p.session}}))
		b.ReportAllocs()
		for b.Loop() {
			out := in.Clone(in.Context())
			rewrite(&httputil.ProxyRequest{In: in, Out: out})
		}
	})
	for _, tc := range []struct {
		name  string
		level zapcore.Level
	}{{"access-log-info", zapcore.InfoLevel}, {"access-log-off", zapcore.WarnLevel}} {
		b.Run(tc.name, func(b *testing.B) {
			logger := jsonLogger(tc.level).WithOptions(zap.WithCaller(false)) // as Handler.accessLog
			r := p.request()
			next := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				withRequestLog(logger, false, w, r, next)
			}
		})
	}
}
