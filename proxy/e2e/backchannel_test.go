package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutMinter makes back-channel logout tokens the way the provider would
// (its own key and kid) and the ways an attacker might.
type logoutMinter struct {
	*tokenMinter
	clientID string
}

func newLogoutMinter(t *testing.T, g *gate) *logoutMinter {
	return &logoutMinter{tokenMinter: newTokenMinter(t, g), clientID: g.IDP.ClientID}
}

// claims are a valid logout token's claims for sub and sid ("" leaves one
// out), edited by edit.
func (m *logoutMinter) claims(sub, sid string, edit func(map[string]any)) []byte {
	c := map[string]any{
		"iss": m.issuer, "aud": m.clientID, "iat": time.Now().Unix(),
		"jti":    randomSecret(),
		"events": map[string]any{backchannelEvent: map[string]any{}},
	}
	if sub != "" {
		c["sub"] = sub
	}
	if sid != "" {
		c["sid"] = sid
	}
	if edit != nil {
		edit(c)
	}
	b, _ := json.Marshal(c)
	return b
}

// signRS256 signs any header and payload with key.
func (m *logoutMinter) signRS256(key *rsa.PrivateKey, header map[string]any, payload []byte) string {
	return handMade(header, payload, func(input []byte) []byte {
		sum := sha256.Sum256(input)
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		if err != nil {
			m.t.Fatal(err)
		}
		return sig
	})
}

func (m *logoutMinter) header(typ string) map[string]any {
	h := map[string]any{"alg": "RS256", "kid": m.kid}
	if typ != "" {
		h["typ"] = typ
	}
	return h
}

// token is a valid logout token (typ logout+jwt) for sub and/or sid.
func (m *logoutMinter) token(sub, sid string, edit func(map[string]any)) string {
	return m.signRS256(m.key, m.header("logout+jwt"), m.claims(sub, sid, edit))
}

// postLogoutToken delivers a back-channel logout request body to g, as the
// provider's server would.
func postLogoutToken(t *testing.T, g *gate, body string) (status int, respBody string, h http.Header) {
	t.Helper()
	resp, err := http.Post(g.URL+"/oauth2/backchannel-logout", "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatalf("back-channel POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func logoutForm(token string) string { return url.Values{"logout_token": {token}}.Encode() }

// loggedIn reports whether b's session works at g (XHR: 200 or 401).
func (b *browser) loggedIn(g *gate) bool {
	b.t.Helper()
	switch resp := b.api(g.URL + "/x"); resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	default:
		b.t.Fatalf("GET /x: status %d", resp.StatusCode)
		return false
	}
}

// loginAs logs a new browser in as user and returns it with the sid of the
// provider session it got (from the ID token the provider just issued).
func loginAs(t *testing.T, g *gate, u testidpUser) (*browser, string) {
	t.Helper()
	b := newBrowser(t)
	b.login(g, "/", u.Username, u.Password)
	issued := g.IDP.IssuedTokens()
	sid := testidp.SessionID(t, issued[len(issued)-1].IDToken)
	if sid == "" {
		t.Fatal("the provider's ID token has no sid")
	}
	return b, sid
}

type testidpUser = struct{ ID, Username, Password string }

var (
	alice = testidpUser{testidp.Alice.ID, testidp.Alice.Username, testidp.Alice.Password}
	bob   = testidpUser{testidp.Bob.ID, testidp.Bob.Username, testidp.Bob.Password}
)

// invalidationWait bounds the wait for a session deleted through one replica
// to be gone from another's client-side cache: Redis invalidates it within
// about a millisecond, not atomically.
const invalidationWait = time.Second

// TestBackchannelLogoutAcrossReplicas: the provider's logout token, delivered
// to replica B, ends the session on replica A (one Redis, client-side cache
// on, as by default) by sid, by sub, and by both; other sessions survive.
func TestBackchannelLogoutAcrossReplicas(t *testing.T) {
	a, b := startPair(t)
	m := newLogoutMinter(t, a)
	alice1, alice1SID := loginAs(t, a, alice)
	alice2, _ := loginAs(t, a, alice)
	bob1, bobSID := loginAs(t, a, bob)
	for _, br := range []*browser{alice1, alice2, bob1} {
		if !br.loggedIn(a) || !br.loggedIn(b) {
			t.Fatal("not logged in after login")
		}
	}

	deliver := func(what, token string) {
		t.Helper()
		status, body, h := postLogoutToken(t, b, logoutForm(token))
		if status != http.StatusOK || h.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: status %d, Cache-Control %q, body %s", what, status, h.Get("Cache-Control"), body)
		}
	}

	// By sid alone: only that login ends, on A as well.
	deliver("sid only", m.token("", alice1SID, nil))
	testutil.Eventually(t, "alice's first session ended on A", invalidationWait, func() bool { return !alice1.loggedIn(a) })
	if !alice2.loggedIn(a) || !bob1.loggedIn(a) {
		t.Fatal("a logout by sid ended another session")
	}

	// sid and sub of different users: nothing ends.
	deliver("bob's sid with alice's sub", m.token(alice.ID, bobSID, nil))
	if !alice2.loggedIn(a) || !bob1.loggedIn(a) {
		t.Fatal("a sid of Bob's with Alice's sub ended a session")
	}

	// By sub alone: every session of the user ends.
	deliver("sub only", m.token(alice.ID, "", nil))
	testutil.Eventually(t, "alice's second session ended on A", invalidationWait, func() bool { return !alice2.loggedIn(a) })
	if !bob1.loggedIn(a) {
		t.Fatal("a logout of Alice ended Bob's session")
	}

	// Both, matching (what Ory Hydra sends).
	deliver("sub and sid", m.token(bob.ID, bobSID, nil))
	testutil.Eventually(t, "bob's session ended on A", invalidationWait, func() bool { return !bob1.loggedIn(a) })

	metrics := scrapeText(t, b)
	for _, want := range []string{
		`gatehouse_logouts_total{kind="backchannel"} 4`,
		`gatehouse_logout_sessions_ended_total{kind="backchannel"} 3`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics of B lack %s", want)
		}
	}
}

// scrape returns the ops listener's /metrics text.
func scrapeText(t *testing.T, g *gate) string {
	t.Helper()
	resp, err := http.Get(g.OpsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
