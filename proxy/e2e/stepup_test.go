package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// stepUpPolicy asks for acr mfa (or hwk) on /admin and for a login within
// the last five minutes on /fresh; /root asks for a new login every time
// (max_age 0, so prompt=login). /admin/help is public.
const stepUpPolicy = `
authorization:
  public_paths: [/admin/help]
  rules:
    - path: /admin
      acr_values: [mfa, hwk]
    - path: /fresh
      max_age: 5m
    - path: /root
      acr_values: [mfa]
      max_age: 0s
`

// assertionClaims decodes the payload of the assertion the upstream got
// (verified elsewhere, assertion_test.go).
func assertionClaims(t *testing.T, r *http.Request) map[string]any {
	t.Helper()
	parts := strings.Split(r.Header.Get("X-Gatehouse-Assertion"), ".")
	if len(parts) != 3 {
		t.Fatalf("no assertion: %q", r.Header.Get("X-Gatehouse-Assertion"))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestStepUpAnswers: a session whose login does not meet a rule's step-up
// gets, for an API call, RFC 9470's 401 (WWW-Authenticate with
// insufficient_user_authentication, acr_values and max_age, and a JSON
// body), and for a browser navigation a new login whose authorization
// request asks for the rule's acr_values and max_age (prompt=login with
// max_age 0). The requirement comes from the policy for rd, never from the
// query. Forward-auth answers 401 with the same challenge and the login
// URL. The test provider confirms no acr: the login that comes back is
// refused with a 403 page, not another redirect, and the earlier session
// still works.
func TestStepUpAnswers(t *testing.T) {
	g := startGate(t, withConfigFile(stepUpPolicy), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))
	b := newBrowser(t)
	b.loginAlice(g)
	if resp := b.api(g.URL + "/other"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a path without step-up: %d", resp.StatusCode)
	}

	for path, challenge := range map[string]string{
		"/admin/users": `Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa hwk"`,
		"/root":        `Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa", max_age=0`,
	} {
		before := g.Upstream.count()
		resp := b.api(g.URL + path)
		var body map[string]string
		_ = json.Unmarshal([]byte(readAll(t, resp)), &body)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != challenge ||
			body["error"] != "insufficient_user_authentication" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("API %s: %d, WWW-Authenticate %q, body %v", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
		if g.Upstream.count() != before {
			t.Errorf("API %s reached the upstream", path)
		}
		resp = authGet(t, g, "/oauth2/auth", b.sessionCookie(g), "X-Original-URI", path, "X-Original-Method", "GET")
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != challenge ||
			resp.Header.Get("X-Gatehouse-Login-Url") != g.URL+"/oauth2/start?rd="+url.QueryEscape(path) {
			t.Errorf("forward-auth %s: %d, WWW-Authenticate %q, login URL %q", path, resp.StatusCode,
				resp.Header.Get("WWW-Authenticate"), resp.Header.Get("X-Gatehouse-Login-Url"))
		}
	}

	// A public path under a step-up rule: served, but without the identity
	// of a login too weak for the rule.
	if resp := b.navigate(g.URL + "/admin/help"); resp.StatusCode != http.StatusOK {
		t.Errorf("public /admin/help: %d", resp.StatusCode)
	} else if user := g.Upstream.last(t).Header.Get("X-Forwarded-User"); user != "" {
		t.Errorf("public /admin/help carried the identity %q of a login too weak for /admin", user)
	}

	// A browser is sent to log in again; /start asks for the rule's step-up.
	resp := b.navigate(g.URL + "/admin/users?tab=2")
	if want := g.URL + "/oauth2/start?rd=" + url.QueryEscape("/admin/users?tab=2"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("navigation: %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	for rd, want := range map[string]url.Values{
		"/admin/users?tab=2":         {"acr_values": {"mfa hwk"}},
		"/fresh":                     {"max_age": {"300"}},
		"/root":                      {"acr_values": {"mfa"}, "max_age": {"0"}, "prompt": {"login"}},
		"/other":                     {},
		"https://evil.example/admin": {}, // not a local rd: back to "/"
	} {
		q := b.startLoginWith(g, url.Values{"rd": {rd}, "acr_values": {"weak"}, "max_age": {"99999"}, "prompt": {"none"}})
		for _, name := range []string{"acr_values", "max_age", "prompt"} {
			if got, ok := q[name]; (len(want[name]) == 0) == ok || (ok && got[0] != want[name][0]) {
				t.Errorf("start for rd %q: %s = %q, want %q", rd, name, got, want[name])
			}
		}
	}

	// The provider answers without the acr asked for: 403, no redirect.
	authURL := b.startLogin(g, "/admin/users")
	callback := b.authorize(g, authURL, testidp.Alice.Username, testidp.Alice.Password)
	before := g.Upstream.count()
	resp = b.navigate(callback)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" || !strings.Contains(readAll(t, resp), "Stronger sign-in required") {
		t.Fatalf("callback of a login without the acr asked for: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if g.Upstream.count() != before {
		t.Error("the refused step-up reached the upstream")
	}
	if resp := b.api(g.URL + "/other"); resp.StatusCode != http.StatusOK {
		t.Errorf("after the refused step-up the earlier session no longer works: %d", resp.StatusCode)
	}
	if resp := b.api(g.URL + "/admin"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after the refused step-up /admin: %d, want 401", resp.StatusCode)
	}
}

// startLoginWith opens /start with the query q and returns the query of
// the authorization request it redirected to.
func (b *browser) startLoginWith(g *gate, q url.Values) url.Values {
	b.t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?" + q.Encode())
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		b.t.Fatalf("start: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}
