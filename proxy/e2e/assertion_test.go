package e2e

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// newKeys generates signing keys and returns them with their PEM text.
func newKeys(t *testing.T, algs ...string) ([]keys.Key, string) {
	t.Helper()
	var ks []keys.Key
	var pemText strings.Builder
	for _, alg := range algs {
		k, err := keys.Generate(alg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := k.PEM()
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
		pemText.Write(b)
	}
	return ks, pemText.String()
}

// TestAssertionVerifiesAgainstPublishedJWKS is what a Go upstream does: it
// verifies the header it got with the keys gatehouse publishes over HTTP.
func TestAssertionVerifiesAgainstPublishedJWKS(t *testing.T) {
	ks, pemText := newKeys(t, keys.ES256, keys.EdDSA)
	g := startGate(t, withEnv("GATEHOUSE_IDENTITY_ASSERTION_KEYS="+pemText))

	t.Run("JWKS", func(t *testing.T) {
		resp, err := http.Get(g.URL + "/oauth2/jwks.json") // no login needed
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("Cache-Control") != "public, max-age=300" {
			t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(body, &set); err != nil {
			t.Fatal(err)
		}
		if len(set.Keys) != len(ks) {
			t.Fatalf("%d published keys, want %d", len(set.Keys), len(ks))
		}
		for i, k := range ks {
			tp, _ := (&jose.JSONWebKey{Key: k.Signer.Public()}).Thumbprint(crypto.SHA256)
			if want := base64.RawURLEncoding.EncodeToString(tp); set.Keys[i].KeyID != want || !set.Keys[i].IsPublic() {
				t.Errorf("key %d: kid %q, want thumbprint %q (public only)", i, set.Keys[i].KeyID, want)
			}
		}
	})

	t.Run("proxied request", func(t *testing.T) {
		b := newBrowser(t)
		b.loginAlice(g)
		v := upstreamVerifier(t, g)
		tokens := proxiedAssertions(t, g, b, 3)
		c, err := v.Verify(context.Background(), tokens[0])
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if c.Subject != testidp.Alice.ID || c.Email != testidp.Alice.Email || strings.Join(c.Groups, ",") != "admins,staff" {
			t.Errorf("claims %+v", c)
		}
		if tokens[1] != tokens[0] || tokens[2] != tokens[0] {
			t.Error("steady-state requests got a newly signed assertion; it must be reused")
		}
		if strings.Contains(tokens[0], b.sessionCookie(g)) {
			t.Error("the assertion carries the cookie")
		}
	})
}

// TestRenamedAssertionHeaderIsStripped sends client copies of the configured
// and the default assertion header, in PHP's spellings.
func TestRenamedAssertionHeaderIsStripped(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_IDENTITY_ASSERTION_HEADER=x-auth-assertion"))
	b := newBrowser(t)
	b.loginAlice(g)
	req, _ := http.NewRequest(http.MethodGet, g.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	req.Header["X-Auth_Assertion"] = []string{"forged"}
	req.Header["x-auth-assertion"] = []string{"forged"}
	req.Header["X-Gatehouse_Assertion"] = []string{"forged"}
	if resp := b.do(req); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := g.Upstream.last(t).Header
	for _, name := range []string{"X-Auth-Assertion", "X-Gatehouse-Assertion"} {
		for _, v := range headerValues(got, name) {
			if v == "forged" {
				t.Errorf("a client copy of %s reached the upstream", name)
			}
		}
	}
	if v := headerValues(got, "X-Auth-Assertion"); len(v) != 1 || strings.Count(v[0], ".") != 2 {
		t.Errorf("X-Auth-Assertion = %q, want gatehouse's one JWS", v)
	}
	if v := headerValues(got, "X-Gatehouse-Assertion"); len(v) != 0 {
		t.Errorf("the default name is still sent: %q", v)
	}
}

// upstreamVerifier verifies assertions as g's upstream would, with the keys
// g publishes.
func upstreamVerifier(t *testing.T, g *gate) *verify.Verifier {
	t.Helper()
	v, err := verify.New(verify.Options{Issuer: g.URL, Audience: g.Upstream.URL, JWKSURL: g.URL + "/oauth2/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// proxiedAssertions has b fetch a protected page n times and returns the
// assertion the upstream received each time (exactly one per request).
func proxiedAssertions(t *testing.T, g *gate, b *browser, n int) []string {
	t.Helper()
	var tokens []string
	for range n {
		if resp := b.navigate(g.URL + "/page"); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		got := g.Upstream.last(t).Header.Values("X-Gatehouse-Assertion")
		if len(got) != 1 {
			t.Fatalf("upstream got %d assertions", len(got))
		}
		tokens = append(tokens, got[0])
	}
	return tokens
}
