package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/badidp"
)

// startBadGateAdvertising is startBadGate whose provider's discovery document
// also says authorization_response_iss_parameter_supported (RFC 9207) when
// advertise is true; gatehouse reads discovery once, at start.
func startBadGateAdvertising(t *testing.T, advertise bool) *badGate {
	t.Helper()
	p := badidp.Start(t)
	if advertise {
		p.Set(func(b *badidp.Behaviour) {
			b.Discovery = func(w http.ResponseWriter, _ *http.Request) {
				doc := p.DiscoveryDocument()
				doc["authorization_response_iss_parameter_supported"] = true
				writeTestJSON(w, doc)
			}
		})
	}
	g := startGate(t, withStore("redis"), withProvider(p.Issuer, badidp.ClientID, badidp.ClientSecret))
	p.Set(nil) // discovery is read; the rest behaves
	return &badGate{gate: g, idp: p}
}

// loginWithCallback runs a login whose callback query edit changes first, as
// a mix-up attacker's provider (or a tampering network) would shape it.
func (g *badGate) loginWithCallback(b *browser, edit func(q url.Values)) *http.Response {
	b.t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?rd=%2Fapp")
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("start: status %d, want 302", resp.StatusCode)
	}
	resp = b.navigate(resp.Header.Get("Location"))
	callback, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(callback.String(), g.URL+"/oauth2/callback?") {
		b.t.Fatalf("authorize: status %d, Location %q; want 302 to the callback", resp.StatusCode, callback)
	}
	q := callback.Query()
	edit(q)
	callback.RawQuery = q.Encode()
	return b.navigate(callback.String())
}

// TestAuthorizationResponseIssuer: RFC 9207. A callback whose iss is not
// oidc.issuer exactly, or that lacks iss although the provider advertises
// it, gets the login-failed page; its code is never redeemed (no token
// request), and no session exists.
func TestAuthorizationResponseIssuer(t *testing.T) {
	cases := []struct {
		name      string
		advertise bool
		edit      func(issuer string, q url.Values)
		ok        bool
	}{
		{"advertised, iss missing", true, func(_ string, q url.Values) { q.Del("iss") }, false},
		{"advertised, iss of another provider", true, func(_ string, q url.Values) { q.Set("iss", "https://evil.example") }, false},
		{"advertised, iss with a trailing slash", true, func(iss string, q url.Values) { q.Set("iss", iss+"/") }, false},
		{"advertised, iss twice", true, func(iss string, q url.Values) { q["iss"] = []string{iss, iss} }, false},
		{"not advertised, iss of another provider", false, func(_ string, q url.Values) { q.Set("iss", "https://evil.example") }, false},
		{"not advertised, iss empty", false, func(_ string, q url.Values) { q.Set("iss", "") }, false},
		{"advertised, iss exact", true, func(iss string, q url.Values) { q.Set("iss", iss) }, true},
		{"not advertised, iss exact", false, func(iss string, q url.Values) { q.Set("iss", iss) }, true},
		{"not advertised, no iss", false, func(string, url.Values) {}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := startBadGateAdvertising(t, tc.advertise)
			b := newBrowser(t)
			resp := g.loginWithCallback(b, func(q url.Values) { tc.edit(g.idp.Issuer, q) })
			if tc.ok {
				if resp.StatusCode != http.StatusFound || b.sessionCookie(g.gate) == "" {
					t.Fatalf("callback: %d, session cookie %v; want a login", resp.StatusCode, b.sessionCookie(g.gate) != "")
				}
				return
			}
			if body := readAll(t, resp); !strings.Contains(body, "Sign-in failed") {
				t.Errorf("callback answered %d without the login-failed page: %.200s", resp.StatusCode, body)
			}
			g.assertRejected(t, b, resp, 0, 0)
		})
	}
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
