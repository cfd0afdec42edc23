package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// TestCachesOff runs gatehouse with session.cache_entries 0 on the Redis
// store: every request verifies its cookie, reads and decodes its record and
// carries a newly signed assertion (ES256 signatures differ on every
// signing), and each of them is valid.
func TestCachesOff(t *testing.T) {
	g := startGate(t, withStore("redis"), withEnv("GATEHOUSE_SESSION_CACHE_ENTRIES=0"))
	b := newBrowser(t)
	b.loginAlice(g)
	v, err := verify.New(verify.Options{Issuer: g.URL, Audience: g.Upstream.URL, JWKSURL: g.URL + "/oauth2/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 3 {
		if resp := b.navigate(g.URL + "/page"); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		got := g.Upstream.last(t).Header.Values("X-Gatehouse-Assertion")
		if len(got) != 1 {
			t.Fatalf("upstream got %d assertions", len(got))
		}
		c, err := v.Verify(context.Background(), got[0])
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if c.Subject != testidp.Alice.ID {
			t.Errorf("sub %q, want %q", c.Subject, testidp.Alice.ID)
		}
		seen[got[0]] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d different assertions in 3 requests; with the caches off each must be signed anew", len(seen))
	}
}
