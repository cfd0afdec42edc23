package e2e

import (
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
	"github.com/gatehouse/gatehouse/internal/sessionadmin"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestOperatorRevokeTakesEffectOnEveryReplica: what `gatehouse sessions
// revoke --user` does ends the user's sessions on every replica at their next
// request, and no one else's.
func TestOperatorRevokeTakesEffectOnEveryReplica(t *testing.T) {
	gates := startGates(t, 2, withStore("redis"))
	alice0, alice1, bob := newBrowser(t), newBrowser(t), newBrowser(t)
	alice0.loginAlice(gates[0])
	alice1.loginAlice(gates[1])
	bob.login(gates[1], "/", testidp.Bob.Username, testidp.BobPassword)
	for _, b := range []*browser{alice0, alice1, bob} {
		for _, g := range gates {
			if resp := b.api(g.URL + "/before"); resp.StatusCode != http.StatusOK {
				t.Fatalf("before revoke: status %d", resp.StatusCode)
			}
		}
	}

	st, err := redisstore.New(redisstore.Options{Addresses: []string{gates[0].Redis.Addr()}, KeyPrefix: "gatehouse:"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	rows, err := sessionadmin.List(t.Context(), st, testidp.Alice.ID, 0)
	if err != nil || len(rows) != 2 {
		t.Fatalf("List alice = %v, %v; want her 2 sessions", rows, err)
	}
	revoked, err := sessionadmin.Revoke(t.Context(), st, sessionadmin.Target{Subject: testidp.Alice.ID})
	if err != nil || len(revoked) != 2 {
		t.Fatalf("Revoke = %q, %v; want 2 sessions", revoked, err)
	}

	// The revoke ran through a client of its own, so both replicas learn of it
	// from Redis's invalidation messages (client-side cache): within a
	// millisecond or so, which the test allows; it must never stay valid.
	for _, g := range gates {
		for _, b := range []*browser{alice0, alice1} {
			deadline := time.Now().Add(time.Second)
			for {
				resp := b.api(g.URL + "/after")
				if resp.StatusCode == http.StatusUnauthorized {
					break
				}
				if resp.StatusCode != http.StatusOK || time.Now().After(deadline) {
					t.Fatalf("revoked session at %s: status %d, want 401 within 1s", g.URL, resp.StatusCode)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		if resp := bob.api(g.URL + "/after"); resp.StatusCode != http.StatusOK {
			t.Fatalf("Bob's session after revoking Alice: status %d, want 200", resp.StatusCode)
		}
	}
}
