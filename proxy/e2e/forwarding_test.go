package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// frontController is proxy/e2e/testdata/frontcontroller under the real
// `php -S`: a PHP app that routes, picks its method, builds links and reads
// the client IP from forwarding headers the way Yii2, Symfony and Laravel do
// when they trust the proxy in front.
func frontController(t *testing.T) *phpApp {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "testdata", "frontcontroller")
	return servePHP(t, dir, filepath.Join(dir, "index.php"))
}

// routed is what the front controller did with a request.
type routed struct {
	Route, Page, Method, Link, IP string
}

func decodeRouted(t *testing.T, resp *http.Response) routed {
	t.Helper()
	var r routed
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("the front controller answered %d without JSON: %v", resp.StatusCode, err)
	}
	return r
}

const frontControllerPolicy = `
authorization:
  public_paths: [/public]
  rules:
    - path: /admin
      allowed_groups: [admins]
`

// TestForwardingHeadersCannotSteerTheApp: from a client that is not a
// trusted proxy, no header of the forwarding families reaches the app, in
// any spelling, so the app routes, picks its method, builds links and sees
// the client as gatehouse does. Each request is written out raw.
func TestForwardingHeadersCannotSteerTheApp(t *testing.T) {
	app := frontController(t)
	g := startGate(t, withConfigFile(frontControllerPolicy), withEnv("GATEHOUSE_UPSTREAM_URL="+app.URL))
	addr := strings.TrimPrefix(g.URL, "http://")
	wantLink := "http://" + addr + "/reset?token=secret"

	// Anonymous GET of a public page, with one forged header each.
	for _, forged := range []string{
		// Yii2 (HumHub) takes the path from these: the admin page, anonymously.
		"X-Rewrite-Url: /admin",
		"X_Rewrite_Url: /admin",
		"x-rewrite-url: /admin",
		"X-REWRITE-URL: /admin?x=1",
		"X-Original-Url: /admin",
		"X_Original_URL: /index.php/admin",
		// Method overrides: a GET must stay a GET.
		"X-HTTP-Method-Override: POST",
		"X_Http_Method_Override: DELETE",
		"X-Method-Override: PUT",
		"X-HTTP-Method: PATCH",
		// Links the app mails (password reset) and its idea of https.
		"Forwarded: host=evil.example;proto=https",
		"X-Forwarded-Host: evil.example",
		"X_Forwarded_Host: evil.example",
		"X-Original-Host: evil.example",
		"X-Host: evil.example",
		"X-Forwarded-Port: 8443",
		"X-Forwarded-Prefix: /evil",
		"x_forwarded_prefix: /evil",
		"Front-End-Https: on",
		"Front_End_Https: on",
		"X-Forwarded-Ssl: on",
		"X-Forwarded-Scheme: https",
		"X-Url-Scheme: https",
		"X-Forwarded-Proto: https",
		// The client address an app's IP allowlist would check.
		"X-Real-IP: 10.0.0.1",
		"Client-Ip: 10.0.0.1",
		"X-Client-Ip: 10.0.0.1",
		"True-Client-Ip: 10.0.0.1",
		"X-Cluster-Client-Ip: 10.0.0.1",
		"CF-Connecting-IP: 10.0.0.1",
		"X-Forwarded-For: 10.0.0.1",
		"X_Forwarded_For: 10.0.0.1",
	} {
		t.Run(forged, func(t *testing.T) {
			resp := fwdRaw(t, "", addr, fwdRequest("GET", "/public", addr, "Accept: text/html", forged))
			got := decodeRouted(t, resp)
			want := routed{Route: "public", Page: "public page", Method: "GET", Link: wantLink, IP: "127.0.0.1"}
			if resp.StatusCode != http.StatusOK || got != want {
				t.Fatalf("GET /public with %q: status %d, the app did %+v; want %+v", forged, resp.StatusCode, got, want)
			}
		})
	}

	t.Run("the admin page itself needs a login", func(t *testing.T) {
		for _, target := range []string{"/admin", "/index.php/admin"} {
			resp := fwdRaw(t, "", addr, fwdRequest("GET", target, addr, "Accept: text/html"))
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("GET %s anonymously: status %d, want 302 to the login", target, resp.StatusCode)
			}
		}
	})

	t.Run("a user outside admins cannot reroute either", func(t *testing.T) {
		b := newBrowser(t)
		b.login(g, "/", testidp.Bob.Username, testidp.BobPassword)
		cookie := "Cookie: gatehouse=" + b.sessionCookie(g)
		if resp := fwdRaw(t, "", addr, fwdRequest("GET", "/admin", addr, cookie)); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("Bob's GET /admin: status %d, want 403", resp.StatusCode)
		}
		for _, forged := range []string{"X-Rewrite-Url: /admin", "X_Original_Url: /admin", "X-Http-Method-Override: DELETE"} {
			resp := fwdRaw(t, "", addr, fwdRequest("GET", "/", addr, cookie, forged))
			if got := decodeRouted(t, resp); resp.StatusCode != http.StatusOK || got.Route != "home" || got.Method != "GET" {
				t.Fatalf("Bob's GET / with %q: status %d, the app did %+v", forged, resp.StatusCode, got)
			}
		}
	})
}

// TestTrustedProxyForwardingHeadersReachTheApp: a proxy in trusted_proxies
// speaks for the client, so its forwarding headers reach the app (the table
// in docs/upstream.md); identity headers and method overrides never do.
func TestTrustedProxyForwardingHeadersReachTheApp(t *testing.T) {
	app := frontController(t)
	g := startGate(t, withConfigFile(frontControllerPolicy),
		withEnv("GATEHOUSE_UPSTREAM_URL="+app.URL, "GATEHOUSE_TRUSTED_PROXIES=127.0.0.2"))
	addr := strings.TrimPrefix(g.URL, "http://")
	resp := fwdRaw(t, "127.0.0.2", addr, fwdRequest("GET", "/public", "gatehouse.internal:4180",
		"X-Forwarded-Host: app.example.com", "X-Forwarded-Proto: https", "X-Real-Ip: 203.0.113.9",
		"X-Forwarded-Prefix: /app", "X-Http-Method-Override: POST", "X-Forwarded-User: admin"))
	got := decodeRouted(t, resp)
	want := routed{Route: "public", Page: "public page", Method: "GET", Link: "https://app.example.com/app/reset?token=secret", IP: "203.0.113.9"}
	if resp.StatusCode != http.StatusOK || got != want {
		t.Fatalf("from a trusted proxy: status %d, the app did %+v; want %+v", resp.StatusCode, got, want)
	}
}
