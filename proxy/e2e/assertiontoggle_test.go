package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// forgedAssertion is what a client sends to pass as someone else: a
// well-formed compact JWS, in the canonical and in PHP's spelling.
var forgedAssertion = []string{
	"X-Gatehouse-Assertion", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.forged",
	"X-Gatehouse_Assertion", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.forged",
}

// TestAssertionOffSendsHeadersOnly: with identity.assertion.enabled false the
// upstream and the forward-auth 202 get the identity headers and no
// assertion, not even the one the client sent, and the JWKS is empty.
func TestAssertionOffSendsHeadersOnly(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_IDENTITY_ASSERTION_ENABLED=false", forwardAuthOn))
	b := newBrowser(t)
	b.loginAlice(g)
	cookie := "gatehouse=" + b.sessionCookie(g)

	resp := rawGet(t, g, "/page", append([]string{"Cookie", cookie, "Accept", "text/html"}, forgedAssertion...)...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("proxied request: status %d", resp.StatusCode)
	}
	got := g.Upstream.last(t).Header
	if v := got.Get("X-Forwarded-User"); v != testidp.Alice.ID {
		t.Errorf("upstream X-Forwarded-User = %q, want %q", v, testidp.Alice.ID)
	}
	if got.Get("X-Forwarded-Email") == "" {
		t.Error("upstream got no X-Forwarded-Email")
	}
	for _, name := range []string{"X-Gatehouse-Assertion", "X-Gatehouse_Assertion"} {
		if v := headerValues(got, name); len(v) != 0 {
			t.Errorf("upstream got %s %q with the assertion off", name, v)
		}
	}

	fa := authGet(t, g, "/oauth2/auth", b.sessionCookie(g), forgedAssertion...)
	if fa.StatusCode != http.StatusAccepted {
		t.Fatalf("forward-auth: status %d, want 202", fa.StatusCode)
	}
	if v := fa.Header.Get("X-Forwarded-User"); v != testidp.Alice.ID {
		t.Errorf("forward-auth X-Forwarded-User = %q, want %q", v, testidp.Alice.ID)
	}
	if v := headerValues(fa.Header, "X-Gatehouse-Assertion"); len(v) != 0 {
		t.Errorf("forward-auth 202 carries an assertion: %q", v)
	}

	jwks := rawGet(t, g, "/oauth2/jwks.json")
	body, _ := io.ReadAll(jwks.Body)
	if jwks.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"keys":[]}` {
		t.Errorf("jwks.json: status %d, body %s; want 200 and an empty key set", jwks.StatusCode, body)
	}
}

// TestHeadersOffSendsAssertionOnly: with identity.headers an explicit empty
// map the upstream gets the assertion alone, and a client's identity
// headers are still removed.
func TestHeadersOffSendsAssertionOnly(t *testing.T) {
	g := startGate(t, withConfigFile("identity:\n  headers: {}\n"), withEnv(forwardAuthOn))
	b := newBrowser(t)
	b.loginAlice(g)
	forged := []string{
		"X-Forwarded-User", "admin",
		"X-Forwarded-Email", "admin@example.com",
		"X-Forwarded-Groups", "admins",
		"X-Forwarded-Preferred-Username", "admin",
	}
	resp := rawGet(t, g, "/page", append([]string{"Cookie", "gatehouse=" + b.sessionCookie(g), "Accept", "text/html"},
		append(forged, forgedAssertion...)...)...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("proxied request: status %d", resp.StatusCode)
	}
	got := g.Upstream.last(t).Header
	for i := 0; i < len(forged); i += 2 {
		if v := headerValues(got, forged[i]); len(v) != 0 {
			t.Errorf("upstream got %s %q with identity.headers empty", forged[i], v)
		}
	}
	verifier := upstreamVerifier(t, g)
	v := headerValues(got, "X-Gatehouse-Assertion")
	if len(v) != 1 {
		t.Fatalf("upstream got %d assertions, want gatehouse's one", len(v))
	}
	claims, err := verifier.Verify(context.Background(), v[0])
	if err != nil || claims.Subject != testidp.Alice.ID {
		t.Errorf("assertion: %+v, %v", claims, err)
	}

	fa := authGet(t, g, "/oauth2/auth", b.sessionCookie(g))
	if fa.StatusCode != http.StatusAccepted {
		t.Fatalf("forward-auth: status %d, want 202", fa.StatusCode)
	}
	if v := fa.Header.Get("X-Forwarded-User"); v != "" {
		t.Errorf("forward-auth 202 carries X-Forwarded-User %q", v)
	}
	if _, err := verifier.Verify(context.Background(), fa.Header.Get("X-Gatehouse-Assertion")); err != nil {
		t.Errorf("forward-auth assertion: %v", err)
	}
}
