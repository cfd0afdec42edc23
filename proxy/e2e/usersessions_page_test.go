package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUserSessionsPageOrJSON: a browser gets a page (strict CSP, no script,
// "This device", an End button for the other session, no session id), a
// program JSON; without a login a browser is sent to log in and back, a
// program gets 401 JSON. A browser's form POST comes back to the page
// (303); ending its own session signs it out here.
func TestUserSessionsPageOrJSON(t *testing.T) {
	g := startGate(t)
	laptop := newDevice(t, "User-Agent", uaFirefoxWindows)
	phone := newDevice(t, "User-Agent", uaChromeAndroid)
	laptop.loginAlice(g)
	phone.loginAlice(g)
	phoneID := current(t, phone.mySessions(g)).ID

	page := laptop.navigate(g.URL + "/oauth2/sessions")
	body, _ := io.ReadAll(page.Body)
	html := string(body)
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: status %d, Content-Type %q", page.StatusCode, page.Header.Get("Content-Type"))
	}
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(strings.ToLower(html), "<script") {
		t.Errorf("the page allows or holds a script: CSP %q", csp)
	}
	if page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Cache-Control %q, Referrer-Policy %q", page.Header.Get("Cache-Control"), page.Header.Get("Referrer-Policy"))
	}
	for _, want := range []string{"Firefox on Windows", "Chrome on Android", "This device", "127.0.0.0/24",
		`name="end" value="` + phoneID + `"`, `value="all_others"`, `action="/oauth2/logout"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q:\n%s", want, html)
		}
	}
	if c := laptop.sessionCookie(g); strings.Contains(html, c) {
		t.Error("the page holds the session cookie")
	}

	// JSON for a program, the same sessions.
	api := laptop.api(g.URL + "/oauth2/sessions")
	var list struct {
		Sessions []listedSession `json:"sessions"`
	}
	if api.Header.Get("Content-Type") != "application/json" || json.NewDecoder(api.Body).Decode(&list) != nil || len(list.Sessions) != 2 {
		t.Fatalf("JSON: Content-Type %q, %d sessions", api.Header.Get("Content-Type"), len(list.Sessions))
	}

	// Not logged in.
	anon := newBrowser(t)
	nav := anon.navigate(g.URL + "/oauth2/sessions")
	if loc, err := location(nav); nav.StatusCode != http.StatusFound || err != nil ||
		loc.Path != "/oauth2/start" || loc.Query().Get("rd") != "/oauth2/sessions" {
		t.Errorf("anonymous navigation: status %d to %q, want 302 to /oauth2/start?rd=/oauth2/sessions", nav.StatusCode, nav.Header.Get("Location"))
	}
	if resp := anon.api(g.URL + "/oauth2/sessions"); resp.StatusCode != http.StatusUnauthorized ||
		resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("anonymous API: status %d, Content-Type %q; want 401 JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// A broken cookie is "not logged in", never a 500.
	if resp := newBrowser(t).api(g.URL+"/oauth2/sessions", "Cookie", "gatehouse=garbage"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("broken cookie: status %d, want 401", resp.StatusCode)
	}

	// The browser's form POST (Accept: text/html) returns to the page.
	form := func(b *browser, what string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/oauth2/sessions", strings.NewReader(url.Values{"end": {what}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", g.URL)
		return b.do(req)
	}
	resp := form(laptop, phoneID)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != g.URL+"/oauth2/sessions" {
		t.Fatalf("form POST: status %d to %q, want 303 to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	phone.loggedOutWithin(g, 0)
	if m := scrapeText(t, g); !strings.Contains(m, `gatehouse_logouts_total{kind="user_sessions"} 1`) ||
		!strings.Contains(m, `gatehouse_logout_sessions_ended_total{kind="user_sessions"} 1`) {
		t.Error("the ended session is not counted as a user_sessions logout")
	}

	// Ending this device's own session signs it out here: the cookie goes.
	resp = form(laptop, current(t, laptop.mySessions(g)).ID)
	if resp.StatusCode != http.StatusOK || !strings.Contains(readBody(resp), "signed out") {
		t.Fatalf("ending the current session: status %d, want 200 and the signed-out page", resp.StatusCode)
	}
	if laptop.sessionCookie(g) != "" {
		t.Error("the session cookie survived ending the current session")
	}
	laptop.loggedOutWithin(g, 0)

	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(method, g.URL+"/oauth2/sessions", nil)
		if resp := newBrowser(t).do(req); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", method, resp.StatusCode)
		}
	}
}

func readBody(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestUserSessionsAddressBehindProxy: behind a trusted proxy the network
// shown is the client's from X-Forwarded-For, cut to /24 (IPv4) or /48
// (IPv6); from an untrusted peer X-Forwarded-For is ignored.
func TestUserSessionsAddressBehindProxy(t *testing.T) {
	cases := []struct {
		name, trusted, xff, want string
	}{
		{"IPv4 via trusted proxy", "127.0.0.1/32", "203.0.113.77", "203.0.113.0/24"},
		{"IPv6 via trusted proxy", "127.0.0.1/32", "2001:db8:1234:5678::9", "2001:db8:1234::/48"},
		{"untrusted peer", "", "203.0.113.77", "127.0.0.0/24"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []option
			if tc.trusted != "" {
				opts = append(opts, withEnv("GATEHOUSE_TRUSTED_PROXIES="+tc.trusted))
			}
			g := startGate(t, opts...)
			b := newDevice(t, "X-Forwarded-For", tc.xff)
			b.loginAlice(g)
			if got := current(t, b.mySessions(g)).Address; got != tc.want {
				t.Errorf("address %q, want %q", got, tc.want)
			}
		})
	}
}

// TestUserSessionsDisabled: user_sessions.enabled false makes the path 404
// for everyone, and it does not reach the upstream either.
func TestUserSessionsDisabled(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_USER_SESSIONS_ENABLED=false"))
	b := newBrowser(t)
	b.loginAlice(g)
	before := g.Upstream.count()
	if resp := b.api(g.URL + "/oauth2/sessions"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET: status %d, want 404", resp.StatusCode)
	}
	if resp := b.endSession(g, "all_others"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST: status %d, want 404", resp.StatusCode)
	}
	if g.Upstream.count() != before {
		t.Error("the request reached the upstream")
	}
}
