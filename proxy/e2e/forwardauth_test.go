package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// forwardAuthOn serves /oauth2/auth, which is off by default.
const forwardAuthOn = "GATEHOUSE_FORWARD_AUTH_ENABLED=true"

// authGet asks gatehouse's forward-auth endpoint as a proxy would.
func authGet(t *testing.T, g *gate, target, cookie string, header ...string) *http.Response {
	t.Helper()
	h := []string{"Accept", "application/json"}
	if cookie != "" {
		h = append(h, "Cookie", "gatehouse="+cookie)
	}
	return rawGet(t, g, target, append(h, header...)...)
}

func TestForwardAuthFromTrustedProxy(t *testing.T) {
	g := startGate(t, withConfigFile(policyFile), withIDP(testidp.WithUsers(policyUsers...)),
		withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))
	staff, admin := newBrowser(t), newBrowser(t)
	staff.login(g, "/", "staff", "staff-password")
	admin.login(g, "/", "admin", "admin-password")

	cases := []struct {
		name   string
		target string
		cookie string
		header []string
		want   int
		user   string // X-Forwarded-User on the 202
	}{
		{"nginx: allowed", "/oauth2/auth", staff.sessionCookie(g), []string{"X-Original-URI", "/app?x=1"}, 202, "staff"},
		{"nginx: denied by rule", "/oauth2/auth", staff.sessionCookie(g), []string{"X-Original-URI", "/admin/x"}, 403, ""},
		{"nginx: rule after cleaning", "/oauth2/auth", staff.sessionCookie(g), []string{"X-Original-URI", "/public/../%61dmin"}, 403, ""},
		{"nginx: encoded slash", "/oauth2/auth", staff.sessionCookie(g), []string{"X-Original-URI", "/public%2F..%2Fadmin"}, 403, ""},
		{"nginx: admin", "/oauth2/auth", admin.sessionCookie(g), []string{"X-Original-URI", "/admin/x"}, 202, "admin"},
		{"nginx: not logged in", "/oauth2/auth", "", []string{"X-Original-URI", "/app"}, 401, ""},
		{"nginx: public", "/oauth2/auth", "", []string{"X-Original-URI", "/public/x"}, 202, ""},
		{"nginx: public with session", "/oauth2/auth", staff.sessionCookie(g), []string{"X-Original-URI", "/public/x"}, 202, "staff"},
		{"nginx: query is not path", "/oauth2/auth", "", []string{"X-Original-URI", "/app?r=/public/x"}, 401, ""},
		{"traefik: allowed", "/oauth2/auth", staff.sessionCookie(g), []string{"X-Forwarded-Uri", "/app", "X-Forwarded-Method", "POST"}, 202, "staff"},
		{"traefik: public", "/oauth2/auth", "", []string{"X-Forwarded-Uri", "/public/x"}, 202, ""},
		{"envoy: allowed", "/oauth2/auth/app", staff.sessionCookie(g), nil, 202, "staff"},
		{"envoy: denied", "/oauth2/auth/admin", staff.sessionCookie(g), nil, 403, ""},
		{"envoy: public", "/oauth2/auth/public/x?y", "", nil, 202, ""},
	}
	verifier := upstreamVerifier(t, g)
	for _, tc := range cases {
		resp := authGet(t, g, tc.target, tc.cookie, tc.header...)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
			continue
		}
		// The 202 carries the signed assertion under the same name as
		// proxied requests, for the same user.
		if tc.user != "" {
			claims, err := verifier.Verify(context.Background(), resp.Header.Get("X-Gatehouse-Assertion"))
			if err != nil || claims.Subject != tc.user {
				t.Errorf("%s: assertion on the 202: %+v, %v", tc.name, claims, err)
			}
		}
		if got := resp.Header.Get("X-Forwarded-User"); got != tc.user {
			t.Errorf("%s: X-Forwarded-User = %q, want %q", tc.name, got, tc.user)
		}
		if tc.want == 202 && tc.user != "" && resp.Header.Get("X-Forwarded-Email") == "" {
			t.Errorf("%s: no X-Forwarded-Email on the 202", tc.name)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", tc.name, cc)
		}
	}

	// Traefik and Envoy cannot drop single cookies: they copy the 202's
	// Cookie onto the request, which then carries the application's cookies
	// only.
	t.Run("the 202 names the application's cookies", func(t *testing.T) {
		for cookie, want := range map[string]string{
			"a=1; gatehouse=" + staff.sessionCookie(g) + "; gatehouse-login-0a1b2c3d=x; b=2": "a=1; b=2",
			"gatehouse-signed-out=y; gatehouse=" + staff.sessionCookie(g):                    "",
		} {
			resp := rawGet(t, g, "/oauth2/auth", "Accept", "application/json", "Cookie", cookie, "X-Original-URI", "/app")
			if got, ok := resp.Header["Cookie"]; resp.StatusCode != 202 || !ok || len(got) != 1 || got[0] != want {
				t.Errorf("status %d, Cookie on the 202 %d values (present %v), want exactly %q", resp.StatusCode, len(got), ok, want)
			}
		}
	})

	t.Run("browser 401 leads to the login", func(t *testing.T) {
		resp := rawGet(t, g, "/oauth2/auth", "Accept", "text/html", "X-Forwarded-Uri", "/app/page?q=1",
			"X-Forwarded-Host", strings.TrimPrefix(g.URL, "http://"), "X-Forwarded-Proto", "http")
		body := readAll(t, resp)
		want := g.URL + "/oauth2/start?rd=%2Fapp%2Fpage%3Fq%3D1"
		if resp.StatusCode != 401 || !strings.Contains(body, want) {
			t.Errorf("status %d, body lacks %q:\n%s", resp.StatusCode, want, body)
		}
	})
}

func TestForwardAuthIgnoresUntrustedPeerHeaders(t *testing.T) {
	g := startGate(t, withConfigFile(policyFile), withIDP(testidp.WithUsers(policyUsers...)), withEnv(forwardAuthOn))
	staff, admin := newBrowser(t), newBrowser(t)
	staff.login(g, "/", "staff", "staff-password")
	admin.login(g, "/", "admin", "admin-password")

	for _, h := range [][]string{
		{"X-Forwarded-Uri", "/public/x"},
		{"X-Original-URI", "/public/x"},
		{"X-Forwarded-Uri", "/public/x", "X-Forwarded-Method", "GET"},
	} {
		if resp := authGet(t, g, "/oauth2/auth", "", h...); resp.StatusCode != 401 {
			t.Errorf("spoofed %v without a session: status %d, want 401", h, resp.StatusCode)
		}
	}
	// The path is unknown, so a user must pass every rule: staff is not an
	// admin and could be asking for /admin.
	if resp := authGet(t, g, "/oauth2/auth", staff.sessionCookie(g), "X-Forwarded-Uri", "/app"); resp.StatusCode != 403 {
		t.Errorf("staff with unknown path: status %d, want 403", resp.StatusCode)
	}
	if resp := authGet(t, g, "/oauth2/auth/public/x", ""); resp.StatusCode != 401 {
		t.Errorf("envoy-style path from an untrusted peer: status %d, want 401", resp.StatusCode)
	}
	resp := authGet(t, g, "/oauth2/auth", admin.sessionCookie(g))
	if resp.StatusCode != 202 || resp.Header.Get("X-Forwarded-User") != "admin" {
		t.Errorf("admin: status %d, user %q", resp.StatusCode, resp.Header.Get("X-Forwarded-User"))
	}
}

// TestForwardAuthOffByDefault: without forward_auth.enabled, /oauth2/auth
// and everything under it is 404 and hands out no identity: a script of the
// application's origin (the browser sends the session cookie along) cannot
// read the signed assertion there.
func TestForwardAuthOffByDefault(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1"))
	b := newBrowser(t)
	b.loginAlice(g)
	before := g.Upstream.count()
	for _, target := range []string{"/oauth2/auth", "/oauth2/auth/app", "/oauth2/auth/"} {
		for _, accept := range []string{"application/json", "text/html"} {
			resp := rawGet(t, g, target, "Accept", accept, "Cookie", "gatehouse="+b.sessionCookie(g),
				"X-Original-URI", "/app", "Sec-Fetch-Site", "same-origin")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s (%s): status %d, want 404", target, accept, resp.StatusCode)
			}
			for _, name := range []string{"X-Gatehouse-Assertion", "X-Forwarded-User", "X-Forwarded-Email"} {
				if v := resp.Header.Get(name); v != "" {
					t.Errorf("GET %s: response carries %s (%d bytes)", target, name, len(v))
				}
			}
		}
	}
	if n := g.Upstream.count() - before; n != 0 {
		t.Errorf("%d forward-auth requests went to the upstream", n)
	}
}

func TestForwardAuthStoreDownIs503(t *testing.T) {
	// No client-side cache: the check right after the stop must reach Redis
	// (see TestStoreOutageIs503AndRecovers).
	g := startGate(t, withStore("redis"), withEnv("GATEHOUSE_SESSION_REDIS_CLIENT_CACHE=0", forwardAuthOn))
	b := newBrowser(t)
	b.loginAlice(g)
	if resp := authGet(t, g, "/oauth2/auth", b.sessionCookie(g)); resp.StatusCode != 202 {
		t.Fatalf("before outage: %d", resp.StatusCode)
	}
	g.Redis.Stop()
	if resp := authGet(t, g, "/oauth2/auth", b.sessionCookie(g)); resp.StatusCode != 503 {
		t.Fatalf("during outage: %d, want 503", resp.StatusCode)
	}
}

func TestUserinfo(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	if resp := b.api(g.URL + "/oauth2/userinfo"); resp.StatusCode != 401 {
		t.Fatalf("not logged in: %d, want 401", resp.StatusCode)
	}
	b.loginAlice(g)
	resp := b.api(g.URL + "/oauth2/userinfo")
	body := readAll(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"sub": testidp.Alice.ID, "email": testidp.Alice.Email, "name": "Alice Admin",
		"preferred_username": "alice", "groups": []any{"admins", "staff"},
	}
	for k, v := range want {
		if b, _ := json.Marshal(got[k]); string(b) != mustJSON(v) {
			t.Errorf("%s = %s, want %s", k, b, mustJSON(v))
		}
	}
	exp, err := time.Parse(time.RFC3339, got["expires_at"].(string))
	if err != nil || time.Until(exp) < 23*time.Hour {
		t.Errorf("expires_at = %v (%v)", got["expires_at"], err)
	}
	for k := range got {
		switch k {
		case "sub", "email", "name", "preferred_username", "groups", "expires_at":
		default:
			t.Errorf("unexpected field %q", k)
		}
	}
	if strings.Contains(strings.ToLower(body), "token") {
		t.Errorf("userinfo mentions a token: %s", body)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
