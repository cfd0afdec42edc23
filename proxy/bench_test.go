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
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/pkg/config"
	"github.com/gatehouse/gatehouse/pkg/oidcclient"
	"github.com/gatehouse/gatehouse/pkg/session"
	"github.com/gatehouse/gatehouse/pkg/session/memory"
)

// BenchmarkProxy measures an authenticated proxied request (cookie decode,
// memory store, identity headers, upstream round trip over loopback) with and
// without the signed assertion, and a bare httputil.ReverseProxy to the same
// upstream as the baseline. It reports; it asserts nothing about time.
func BenchmarkProxy(b *testing.B) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer upstream.Close()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	cfg, err := config.Load("", []string{
		"GATEHOUSE_PUBLIC_URL=http://127.0.0.1:4180",
		"GATEHOUSE_UPSTREAM_URL=" + upstream.URL,
		"GATEHOUSE_OIDC_ISSUER=http://127.0.0.1:1", // never contacted: no login happens
		"GATEHOUSE_OIDC_CLIENT_ID=bench",
		"GATEHOUSE_OIDC_CLIENT_SECRET=bench",
		"GATEHOUSE_COOKIE_SECRETS=" + base64.StdEncoding.EncodeToString(secret),
		"GATEHOUSE_SESSION_STORE=memory",
	})
	if err != nil {
		b.Fatal(err)
	}
	store := memory.New()
	oidc := oidcclient.New(oidcclient.Options{Issuer: cfg.OIDC.Issuer}, zap.NewNop())
	newHandler := func() *Handler {
		h, err := New(cfg, store, oidc, nil, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	h := newHandler()
	now := time.Now()
	s := &session.Session{
		ID: session.NewID(), Subject: "alice-id", Email: "alice@example.com", Name: "Alice",
		PreferredUsername: "alice", Groups: []string{"admins", "staff"},
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if err := store.Save(context.Background(), s, time.Hour); err != nil {
		b.Fatal(err)
	}
	value, err := h.cookies.sessions.Encode(h.cookies.sessionName, sessionRef{ID: s.ID, Key: session.NewKey()})
	if err != nil {
		b.Fatal(err)
	}
	request := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4180/page", nil)
		r.RemoteAddr = "127.0.0.1:50000"
		r.AddCookie(&http.Cookie{Name: h.cookies.sessionName, Value: value})
		return r
	}
	run := func(b *testing.B, handler http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, request())
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	}

	target, _ := url.Parse(upstream.URL)
	bare := httputil.NewSingleHostReverseProxy(target)
	bare.Transport = newTransport()
	b.Run("bare-reverseproxy", func(b *testing.B) { run(b, bare) })

	without := newHandler()
	without.asserter = nil // the identity headers only, as before the assertion existed
	b.Run("gatehouse-without-assertion", func(b *testing.B) { run(b, without) })

	b.Run("gatehouse-with-assertion", func(b *testing.B) { run(b, newHandler()) })
}
