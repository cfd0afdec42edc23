package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestHostNotAllowedIs421: a request naming a host outside
// server.allowed_hosts (in Host, or in an absolute request target) gets 421
// and reaches nothing; an allowed alias is served, and the app's
// X-Forwarded-Host is public_url's host either way. Trusted proxies, the
// forward-auth endpoint and the ops listener are not checked.
func TestHostNotAllowedIs421(t *testing.T) {
	ln := testutil.Listen(t)
	addr := ln.Addr().String()
	g := startGate(t, withListener(ln), withConfigFile("authorization:\n  public_paths: [/public]\n"),
		withEnv("GATEHOUSE_SERVER_ALLOWED_HOSTS="+addr+" alias.example", "GATEHOUSE_TRUSTED_PROXIES=127.0.0.2", forwardAuthOn))
	_, port, _ := strings.Cut(addr, ":")

	for _, tc := range []struct{ name, request string }{
		{"evil Host on a public path", fwdRequest("GET", "/public", "evil.example")},
		{"evil Host with the right port", fwdRequest("GET", "/public", "evil.example:"+port)},
		{"right host, wrong port", fwdRequest("GET", "/public", "127.0.0.1:1")},
		{"alias on another port", fwdRequest("GET", "/public", "alias.example:8080")},
		{"public host as a suffix", fwdRequest("GET", "/public", "evil.127.0.0.1:"+port)},
		{"absolute target names evil", fwdRequest("GET", "http://evil.example/public", addr)},
		{"evil Host on a protected path", fwdRequest("GET", "/app", "evil.example", "Accept: text/html")},
		{"evil Host at /start", fwdRequest("GET", "/oauth2/start?rd=/app", "evil.example", "Accept: text/html")},
		{"evil Host at /userinfo", fwdRequest("GET", "/oauth2/userinfo", "evil.example")},
		{"evil Host POSTing", fwdRequest("POST", "/public", "evil.example", "Content-Length: 0")},
		{"HTTP/1.0 without Host", "GET /public HTTP/1.0\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := g.Upstream.count()
			resp := fwdRaw(t, "", addr, tc.request)
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Fatalf("%q: status %d, want 421", firstLine(tc.request), resp.StatusCode)
			}
			if g.Upstream.count() != before {
				t.Fatal("the request reached the upstream")
			}
		})
	}

	for _, host := range []string{addr, "alias.example", "ALIAS.Example", "alias.example:80"} {
		t.Run("allowed "+host, func(t *testing.T) {
			resp := fwdRaw(t, "", addr, fwdRequest("GET", "/public", host, "X-Forwarded-Host: evil.example"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("Host %q: status %d, want 200", host, resp.StatusCode)
			}
			got := g.Upstream.last(t)
			if got.Host != host {
				t.Errorf("the upstream got Host %q, want the browser's %q", got.Host, host)
			}
			if v := headerValues(got.Header, "X-Forwarded-Host"); len(v) != 1 || v[0] != addr {
				t.Errorf("Host %q: the upstream got X-Forwarded-Host %q, want public_url's %q", host, v, addr)
			}
		})
	}

	t.Run("trusted proxy chooses Host and X-Forwarded-Host", func(t *testing.T) {
		resp := fwdRaw(t, "127.0.0.2", addr, fwdRequest("GET", "/public", "gatehouse.internal:4180", "X-Forwarded-Host: app.example.com"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		if v := g.Upstream.last(t).Header.Get("X-Forwarded-Host"); v != "app.example.com" {
			t.Errorf("X-Forwarded-Host = %q, want the trusted proxy's", v)
		}
	})

	t.Run("forward-auth is not checked", func(t *testing.T) {
		for _, target := range []string{"/oauth2/auth", "/oauth2/auth/app"} {
			resp := fwdRaw(t, "", addr, fwdRequest("GET", target, "upstream-name:4180"))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s with the proxy's Host: status %d, want 401", target, resp.StatusCode)
			}
		}
	})

	t.Run("ops listener is not checked", func(t *testing.T) {
		ops := strings.TrimPrefix(g.OpsURL, "http://")
		if resp := fwdRaw(t, "", ops, fwdRequest("GET", "/healthz", "evil.example")); resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz with Host evil.example: status %d", resp.StatusCode)
		}
	})
}
