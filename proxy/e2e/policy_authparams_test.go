package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestForwardedAuthParams: /oauth2/start passes on the parameters listed in
// oidc.forwarded_auth_params and nothing else of its query: scope,
// redirect_uri, response_type, acr_values, claims, state, nonce and PKCE
// stay gatehouse's own. Listed values that are repeated, too long or hold
// control characters are refused.
func TestForwardedAuthParams(t *testing.T) {
	hostile := url.Values{
		"login_hint": {"alice@example.gov"}, "ui_locales": {"de fr"}, "kc_idp_hint": {"corp"}, "prompt": {"login"},
		"domain_hint": {"example.gov"},
		"scope":       {"openid admin"}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"token"},
		"acr_values": {"weak"}, "claims": {`{"id_token":{"groups":null}}`}, "state": {"attacker"}, "nonce": {"attacker"},
		"code_challenge": {"attacker"}, "code_challenge_method": {"plain"}, "client_id": {"other"}, "request_uri": {"urn:x"},
		"max_age": {"999999"}, "response_mode": {"form_post"}, "foo": {"bar"},
	}
	start := func(g *gate, q url.Values) (*http.Response, url.Values) {
		t.Helper()
		q = cloneValues(q)
		q.Set("rd", "/app")
		resp := newBrowser(t).navigate(g.URL + "/oauth2/start?" + q.Encode())
		if resp.StatusCode != http.StatusFound {
			return resp, nil
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), g.IDP.Issuer) {
			t.Fatalf("start redirected to %q", resp.Header.Get("Location"))
		}
		return resp, loc.Query()
	}
	own := func(t *testing.T, g *gate, got url.Values) {
		t.Helper()
		want := map[string]string{"scope": "openid profile email offline_access", "redirect_uri": g.URL + "/oauth2/callback",
			"response_type": "code", "code_challenge_method": "S256", "client_id": g.IDP.ClientID}
		for name, v := range want {
			if got.Get(name) != v {
				t.Errorf("%s = %q, want %q", name, got.Get(name), v)
			}
		}
		for _, name := range []string{"state", "nonce", "code_challenge"} {
			if v := got[name]; len(v) != 1 || v[0] == "attacker" || v[0] == "" {
				t.Errorf("%s = %q, want gatehouse's own", name, v)
			}
		}
		for _, name := range []string{"acr_values", "claims", "request_uri", "max_age", "response_mode", "foo"} {
			if v, ok := got[name]; ok {
				t.Errorf("%s reached the provider: %q", name, v)
			}
		}
	}

	t.Run("listed", func(t *testing.T) {
		g := startGate(t, withEnv("GATEHOUSE_OIDC_FORWARDED_AUTH_PARAMS=login_hint,ui_locales,kc_idp_hint,prompt"))
		_, got := start(g, hostile)
		if got == nil {
			t.Fatal("start did not redirect")
		}
		own(t, g, got)
		for name, v := range map[string]string{"login_hint": "alice@example.gov", "ui_locales": "de fr", "kc_idp_hint": "corp", "prompt": "login"} {
			if got.Get(name) != v {
				t.Errorf("%s = %q, want %q", name, got.Get(name), v)
			}
		}
		if _, ok := got["domain_hint"]; ok {
			t.Error("domain_hint reached the provider, but it is not listed")
		}
		for name, bad := range map[string][]string{
			"login_hint": {strings.Repeat("a", 257)},
			"ui_locales": {"de\x01"},
			"prompt":     {"login", "none"},
		} {
			if resp, _ := start(g, url.Values{name: bad}); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s=%q: status %d, want 400", name, bad, resp.StatusCode)
			}
		}
	})

	t.Run("default: none", func(t *testing.T) {
		g := startGate(t)
		_, got := start(g, hostile)
		if got == nil {
			t.Fatal("start did not redirect")
		}
		own(t, g, got)
		for _, name := range []string{"login_hint", "ui_locales", "kc_idp_hint", "prompt", "domain_hint"} {
			if v, ok := got[name]; ok {
				t.Errorf("%s reached the provider without being listed: %q", name, v)
			}
		}
	})
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
