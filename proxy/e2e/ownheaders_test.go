package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestOwnResponsesCarrySecurityHeaders: every response gatehouse makes
// itself (pages, JSON errors, redirects, the callback's 302, userinfo, JWKS,
// forward-auth answers, 4xx and 5xx) carries Referrer-Policy: no-referrer,
// X-Content-Type-Options: nosniff and a CSP with frame-ancestors 'none'; the
// front-channel logout page is the one that may be framed; the upstream's
// responses are left as it made them.
func TestOwnResponsesCarrySecurityHeaders(t *testing.T) {
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken":
			panic(http.ErrAbortHandler) // the connection drops: gatehouse answers 502
		case "/own-policy":
			w.Header().Set("Referrer-Policy", "origin")
		}
		_, _ = io.WriteString(w, "hello from upstream")
	})
	ln := testutil.Listen(t)
	addr := ln.Addr().String()
	g := startGate(t, withListener(ln), withUpstream(upstream), withConfigFile("authorization:\n  public_paths: [/public]\n"), withEnv(forwardAuthOn))
	b := newBrowser(t)

	own := func(t *testing.T, what string, resp *http.Response, status int) {
		t.Helper()
		if resp.StatusCode != status {
			t.Errorf("%s: status %d, want %d", what, resp.StatusCode, status)
		}
		if v := resp.Header.Get("Referrer-Policy"); v != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", what, v)
		}
		if v := resp.Header.Get("X-Content-Type-Options"); v != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", what, v)
		}
		if csp := resp.Header.Values("Content-Security-Policy"); len(csp) != 1 || !strings.Contains(csp[0], "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q lacks frame-ancestors 'none'", what, csp)
		}
	}
	post := func(path, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, g.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return b.do(req)
	}

	t.Run("not logged in", func(t *testing.T) {
		own(t, "navigation to a protected page (302 to login)", b.navigate(g.URL+"/app"), http.StatusFound)
		own(t, "API call to a protected page (401 JSON)", b.api(g.URL+"/app"), http.StatusUnauthorized)
		own(t, "/oauth2/start (302 to the provider)", b.navigate(g.URL+"/oauth2/start?rd=/"), http.StatusFound)
		own(t, "callback with a bad state (error page)", b.navigate(g.URL+"/oauth2/callback?state=bad&code=x"), http.StatusBadRequest)
		own(t, "encoded slash (400)", fwdRaw(t, "", addr, fwdRequest("GET", "/a%2Fb", addr, "Accept: text/html")), http.StatusBadRequest)
		own(t, "host not allowed (421)", fwdRaw(t, "", addr, fwdRequest("GET", "/public", "evil.example")), http.StatusMisdirectedRequest)
		own(t, "/oauth2/userinfo (401)", b.api(g.URL+"/oauth2/userinfo"), http.StatusUnauthorized)
		own(t, "/oauth2/jwks.json", b.api(g.URL+"/oauth2/jwks.json"), http.StatusOK)
		own(t, "/oauth2/auth (401 JSON)", b.api(g.URL+"/oauth2/auth"), http.StatusUnauthorized)
		own(t, "/oauth2/auth (401 page)", b.navigate(g.URL+"/oauth2/auth"), http.StatusUnauthorized)
		own(t, "back-channel logout GET (405)", b.api(g.URL+"/oauth2/backchannel-logout"), http.StatusMethodNotAllowed)
		own(t, "back-channel logout, bad token (400)", post("/oauth2/backchannel-logout", "logout_token=x"), http.StatusBadRequest)
	})

	t.Run("logging in", func(t *testing.T) {
		callback := b.authorize(g, b.startLogin(g, "/"), testidp.Alice.Username, testidp.Alice.Password)
		own(t, "callback (302 with the session cookie)", b.navigate(callback), http.StatusFound)
		own(t, "/oauth2/userinfo", b.api(g.URL+"/oauth2/userinfo"), http.StatusOK)
		own(t, "/oauth2/auth (202)", b.api(g.URL+"/oauth2/auth"), http.StatusAccepted)
		own(t, "upstream unreachable (502)", b.navigate(g.URL+"/broken"), http.StatusBadGateway)
		own(t, "cross-site logout (confirmation page)",
			b.logoutRequest(g, http.MethodGet, "", "", "Sec-Fetch-Site", "cross-site"), http.StatusOK)
		own(t, "logout (302)", b.logoutRequest(g, http.MethodPost, "", "", "Sec-Fetch-Site", "same-origin"), http.StatusFound)
	})

	t.Run("front-channel logout page may be framed", func(t *testing.T) {
		resp := b.navigate(g.URL + "/oauth2/frontchannel-logout?iss=" + url.QueryEscape(g.IDP.Issuer) + "&sid=unknown")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("front-channel page headers %v", resp.Header)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "frame-ancestors") {
			t.Errorf("front-channel page CSP %q: the provider's logout page must be able to frame it", csp)
		}
	})

	t.Run("upstream responses are the upstream's", func(t *testing.T) {
		alice := newBrowser(t)
		alice.loginAlice(g)
		for _, tc := range []struct {
			b        *browser
			path     string
			referrer string
		}{{b, "/public", ""}, {alice, "/app", ""}, {alice, "/own-policy", "origin"}} {
			resp := tc.b.navigate(g.URL + tc.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d", tc.path, resp.StatusCode)
			}
			for name, want := range map[string]string{
				"Referrer-Policy": tc.referrer, "X-Content-Type-Options": "", "Content-Security-Policy": "",
			} {
				if got := strings.Join(resp.Header.Values(name), ", "); got != want {
					t.Errorf("%s: %s = %q, the upstream sent %q", tc.path, name, got, want)
				}
			}
		}
	})
}
