package e2e

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestCachesOff runs gatehouse with session.cache_entries 0 on the Redis
// store: every request verifies its cookie, reads and decodes its record and
// carries a newly signed assertion (ES256 signatures differ on every
// signing), and each of them is valid.
func TestCachesOff(t *testing.T) {
	g := startGate(t, withStore("redis"), withEnv("GATEHOUSE_SESSION_CACHE_ENTRIES=0"))
	b := newBrowser(t)
	b.loginAlice(g)
	v := upstreamVerifier(t, g)
	seen := map[string]bool{}
	for _, token := range proxiedAssertions(t, g, b, 3) {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if c.Subject != testidp.Alice.ID {
			t.Errorf("sub %q, want %q", c.Subject, testidp.Alice.ID)
		}
		seen[token] = true
	}
	if len(seen) != 3 {
		t.Errorf("%d different assertions in 3 requests; with the caches off each must be signed anew", len(seen))
	}
}
