package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

func TestLoginFlowSendsIdentityUpstream(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g := startGate(t, withStore(store))
		b := newBrowser(t)

		// An unauthenticated navigation is sent to log in, remembering where it was.
		resp := b.navigate(g.URL + "/reports/2026?sort=desc")
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("unauthenticated navigation: status %d, want 302", resp.StatusCode)
		}
		want := g.URL + "/oauth2/start?rd=" + url.QueryEscape("/reports/2026?sort=desc")
		if got := resp.Header.Get("Location"); got != want {
			t.Fatalf("Location = %q, want %q", got, want)
		}
		if g.Upstream.count() != 0 {
			t.Fatal("an unauthenticated request reached the upstream")
		}

		if got := b.login(g, "/reports/2026?sort=desc", "alice", testidp.AlicePassword); got != "/reports/2026?sort=desc" {
			t.Fatalf("after login redirected to %q", got)
		}
		resp = b.navigate(g.URL+"/reports/2026?sort=desc", "Cookie", "app_pref=dark")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("authenticated request: status %d", resp.StatusCode)
		}
		if body, _ := io.ReadAll(resp.Body); string(body) != "hello from upstream" {
			t.Fatalf("body = %q", body)
		}
		got := g.Upstream.last(t)
		for name, want := range map[string]string{
			"X-Forwarded-User":               testidp.Alice.ID,
			"X-Forwarded-Email":              testidp.Alice.Email,
			"X-Forwarded-Preferred-Username": testidp.Alice.Username,
			"X-Forwarded-Groups":             "admins,staff",
			"X-Forwarded-For":                "127.0.0.1",
		} {
			if v := headerValues(got.Header, name); len(v) != 1 || v[0] != want {
				t.Errorf("upstream %s = %q, want [%q]", name, v, want)
			}
		}
		if got.Header.Get("X-Request-Id") == "" {
			t.Error("upstream got no X-Request-Id")
		}
		if got.URL.RequestURI() != "/reports/2026?sort=desc" {
			t.Errorf("upstream path = %q", got.URL.RequestURI())
		}
		// The session cookie never reaches the upstream; the app's own cookies do.
		cookies := strings.Join(got.Header.Values("Cookie"), "; ")
		if strings.Contains(cookies, "gatehouse") {
			t.Errorf("upstream received gatehouse's cookie: %q", cookies)
		}
		if !strings.Contains(cookies, "app_pref=dark") {
			t.Errorf("upstream lost the app's own cookie: %q", cookies)
		}
	})
}

func TestSessionCookieAttributes(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	callback := b.authorize(g, b.startLogin(g, "/"), "alice", testidp.AlicePassword)
	resp := b.navigate(callback)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "gatehouse" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("callback set no session cookie")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Domain != "" {
		t.Errorf("session cookie attributes: %+v", session)
	}
	if strings.Contains(session.Value, testidp.Alice.ID) {
		t.Error("session cookie value is not opaque")
	}
}

func TestUnauthenticatedAPIRequestGets401(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	cases := []struct {
		name string
		req  func() *http.Response
	}{
		{"json accept", func() *http.Response { return b.api(g.URL + "/api/items") }},
		{"xhr", func() *http.Response {
			return b.navigate(g.URL+"/api/items", "X-Requested-With", "XMLHttpRequest")
		}},
		{"post", func() *http.Response {
			req, _ := http.NewRequest(http.MethodPost, g.URL+"/form", strings.NewReader("a=1"))
			req.Header.Set("Accept", "text/html")
			return b.do(req)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.req()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	if g.Upstream.count() != 0 {
		t.Fatal("an unauthenticated request reached the upstream")
	}
}

func TestTwoTabsLogInAtOnce(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	auth1 := b.startLogin(g, "/tab-one")
	auth2 := b.startLogin(g, "/tab-two")
	cb1 := b.authorize(g, auth1, "alice", testidp.AlicePassword)
	cb2 := b.authorize(g, auth2, "alice", testidp.AlicePassword)
	for _, tc := range []struct{ callback, rd string }{{cb2, "/tab-two"}, {cb1, "/tab-one"}} {
		resp := b.navigate(tc.callback)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tc.rd {
			t.Fatalf("callback for %s: status %d Location %q", tc.rd, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp := b.navigate(g.URL + "/tab-one"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after both logins: status %d", resp.StatusCode)
	}
}

func TestCallbackRefusesBadState(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	authURL := b.startLogin(g, "/")
	callback := b.authorize(g, authURL, "alice", testidp.AlicePassword)
	cb, _ := url.Parse(callback)
	state, code := cb.Query().Get("state"), cb.Query().Get("code")

	other := newBrowser(t) // a browser that never started this login
	cases := []struct {
		name  string
		b     *browser
		query string
	}{
		{"missing state", b, "code=" + url.QueryEscape(code)},
		{"unknown state", b, "state=forged&code=" + url.QueryEscape(code)},
		{"duplicated state", b, "state=" + url.QueryEscape(state) + "&state=" + url.QueryEscape(state) + "&code=" + url.QueryEscape(code)},
		{"duplicated code", b, "state=" + url.QueryEscape(state) + "&code=" + url.QueryEscape(code) + "&code=x"},
		{"state from another browser", other, "state=" + url.QueryEscape(state) + "&code=" + url.QueryEscape(code)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.b.navigate(g.URL + "/oauth2/callback?" + tc.query)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
			for _, c := range resp.Cookies() {
				if c.Name == "gatehouse" && c.MaxAge >= 0 {
					t.Fatal("a session cookie was set")
				}
			}
		})
	}
}

func TestReplayedAuthorizationCodeIsRefused(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	authURL := b.startLogin(g, "/")
	// Keep the login cookie as an attacker who recorded the browser's traffic would.
	gu, _ := url.Parse(g.URL)
	recorded := b.Jar.Cookies(gu)
	callback := b.authorize(g, authURL, "alice", testidp.AlicePassword)
	if resp := b.navigate(callback); resp.StatusCode != http.StatusFound {
		t.Fatalf("first use of the code: status %d", resp.StatusCode)
	}

	attacker := newBrowser(t)
	attacker.Jar.SetCookies(gu, recorded)
	tokenCalls := g.IDP.Count(testidp.TokenPath)
	resp := attacker.navigate(callback)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback: status %d, want 400", resp.StatusCode)
	}
	if attacker.sessionCookie(g) != "" {
		t.Fatal("replayed callback set a session cookie")
	}
	if g.IDP.Count(testidp.TokenPath) != tokenCalls {
		t.Error("replayed callback reached the provider's token endpoint")
	}
}

func TestProviderErrorShowsRetryPage(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	authURL, _ := url.Parse(b.startLogin(g, "/wanted"))
	state := authURL.Query().Get("state")
	resp := b.navigate(g.URL + "/oauth2/callback?error=access_denied&error_description=%3Cscript%3E&state=" + url.QueryEscape(state))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "/oauth2/start?rd=%2Fwanted") {
		t.Errorf("error page has no retry link: %s", body)
	}
	if strings.Contains(string(body), "<script>") {
		t.Error("error page echoes the provider's description unescaped")
	}
	if g.Upstream.count() != 0 {
		t.Error("upstream was called")
	}
}

func TestOpenRedirectsStayLocal(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_ALLOWED_REDIRECT_HOSTS=docs.example.com"))
	cases := map[string]string{
		"//evil.example":                 "/",
		"https://evil.example/":          "/",
		`/\evil.example`:                 "/",
		"/\t/evil.example":               "/",
		"javascript:alert(1)":            "/",
		"https://docs.example.com@evil/": "/",
		"/ok/path?q=1":                   "/ok/path?q=1",
		"https://docs.example.com/page":  "https://docs.example.com/page",
	}
	for rd, want := range cases {
		t.Run(rd, func(t *testing.T) {
			b := newBrowser(t)
			if got := b.login(g, rd, "bob", testidp.BobPassword); got != want {
				t.Fatalf("rd %q: redirected to %q, want %q", rd, got, want)
			}
		})
	}
}
