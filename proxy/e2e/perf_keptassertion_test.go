package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/redistest"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
	"github.com/gatehouse/gatehouse/internal/testutil"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// The assertion of a session is signed once per window for all replicas and
// kept beside the session record in Redis (proxy/sharedassertion.go). These
// tests run two replicas on one real Redis with the same configured keys.

// keptPair is two replicas behind one name, as a load balancer presents
// them: the same public_url (so the same issuer), assertion audience, key,
// cookie secret, provider and Redis. Browsers log in at a; b is reached at
// its own port, which server.allowed_hosts admits.
type keptPair struct {
	a, b  *gate
	redis *redistest.Server
}

func startKeptPair(t *testing.T) keptPair {
	t.Helper()
	_, pemText := newKeys(t, keys.ES256)
	redis := redistest.Start(t)
	lnA, lnB := testutil.Listen(t), testutil.Listen(t)
	public := "http://" + lnA.Addr().String()
	common := withEnv("GATEHOUSE_IDENTITY_ASSERTION_KEYS="+pemText,
		"GATEHOUSE_IDENTITY_ASSERTION_AUDIENCE=kept-assertion-upstream",
		"GATEHOUSE_COOKIE_SECRETS="+randomSecret())
	a := startGate(t, withRedis(redis.Addr()), withListener(lnA), common)
	b := startGate(t, withRedis(redis.Addr()), withListener(lnB), common,
		withProvider(a.IDP.Issuer, a.IDP.ClientID, a.IDP.ClientSecret),
		withEnv("GATEHOUSE_PUBLIC_URL="+public, "GATEHOUSE_SERVER_ALLOWED_HOSTS="+lnB.Addr().String()))
	a.Redis, b.Redis = redis, redis
	return keptPair{a: a, b: b, redis: redis}
}

// keptAssertions lists the kept-assertion keys in Redis.
func (p keptPair) keptAssertions(t *testing.T) []string {
	t.Helper()
	return p.redis.Keys(t, "gatehouse:a:*")
}

// TestKeptAssertionSharedByReplicas: the assertion replica A signed is the
// one replica B forwards for the same session (B signs nothing), and B's
// published keys verify it.
func TestKeptAssertionSharedByReplicas(t *testing.T) {
	p := startKeptPair(t)
	a, b := p.a, p.b
	br := newBrowser(t)
	br.loginAlice(a)
	fromA := proxiedAssertions(t, a, br, 1)[0]
	if n := len(p.keptAssertions(t)); n != 1 {
		t.Fatalf("%d kept assertions in Redis after one session's request, want 1", n)
	}
	fromB := proxiedAssertions(t, b, br, 1)[0]
	if fromB != fromA {
		t.Fatal("replica B signed an assertion of its own instead of the one A kept")
	}
	v, err := verify.New(verify.Options{Issuer: a.URL, Audience: "kept-assertion-upstream", JWKSURL: b.URL + "/oauth2/jwks.json"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), fromB); err != nil {
		t.Fatalf("B's upstream refuses the shared assertion: %v", err)
	}
}

// TestKeptAssertionReadWithRecord: the first request of a session at a
// replica that holds nothing for it reads the session record and the kept
// assertion with one command (an MGET of both keys), and forwards what the
// other replica signed. With many sessions in use that is most requests:
// it used to cost a cached read (CLIENT CACHING, MULTI, PTTL, GET, EXEC)
// and a second round trip for the assertion.
func TestKeptAssertionReadWithRecord(t *testing.T) {
	p := startKeptPair(t)
	br := newBrowser(t)
	br.loginAlice(p.a)
	fromA := proxiedAssertions(t, p.a, br, 1)[0]
	p.redis.Do("CONFIG", "RESETSTAT")
	if fromB := proxiedAssertions(t, p.b, br, 1)[0]; fromB != fromA {
		t.Fatal("replica B signed an assertion of its own instead of the one A kept")
	}
	calls := map[string]string{}
	for name, v := range p.redis.Info("commandstats") {
		cmd, ok := strings.CutPrefix(name, "cmdstat_")
		// The test's own client says HELLO, CONFIG and INFO; idle connections PING.
		if ok && cmd != "ping" && cmd != "hello" && cmd != "info" && cmd != "config|resetstat" {
			calls[cmd], _, _ = strings.Cut(v, ",")
		}
	}
	if len(calls) != 1 || calls["mget"] != "calls=1" {
		t.Fatalf("Redis commands for B's first request: %v, want one MGET and nothing else", calls)
	}
	loads := scrape(t, p.b)
	if n := loads[`gatehouse_redis_command_duration_seconds_count{op="load assertion"}`]; n != 0 {
		t.Fatalf("B read the kept assertion in a call of its own (%v calls)", n)
	}
}

// TestKeptAssertionGoneWithLogout: a logout or a back-channel logout through
// replica B deletes the kept assertion with the session, and replica A does
// not forward it any more (the session is gone).
func TestKeptAssertionGoneWithLogout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		logout func(t *testing.T, p keptPair, br *browser, sid string)
	}{
		{"logout", func(t *testing.T, p keptPair, br *browser, _ string) {
			if resp := br.navigate(p.b.URL + "/oauth2/logout"); resp.StatusCode >= 400 {
				t.Fatalf("logout: status %d", resp.StatusCode)
			}
		}},
		{"back-channel logout", func(t *testing.T, p keptPair, _ *browser, sid string) {
			if status, body, _ := postLogoutToken(t, p.b, logoutForm(newLogoutMinter(t, p.a).token("", sid, nil))); status != http.StatusOK {
				t.Fatalf("back-channel logout: status %d %s", status, body)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startKeptPair(t)
			a := p.a
			br, sid := loginAs(t, a, alice)
			cookie := br.sessionCookie(a)
			proxiedAssertions(t, a, br, 1)
			if n := len(p.keptAssertions(t)); n != 1 {
				t.Fatalf("%d kept assertions before the logout, want 1", n)
			}
			served := a.Upstream.count()
			tc.logout(t, p, br, sid)
			if left := p.keptAssertions(t); len(left) != 0 {
				t.Fatalf("the kept assertion outlived the %s: %v", tc.name, left)
			}
			// The old cookie, replayed at A as an attacker would: not logged in.
			replay := newBrowser(t)
			testutil.Eventually(t, "the session ended on A", invalidationWait, func() bool {
				resp := replay.api(a.URL+"/x", "Cookie", "gatehouse="+cookie)
				return resp.StatusCode == http.StatusUnauthorized
			})
			if n := a.Upstream.count(); n != served {
				t.Fatalf("the upstream got %d requests after the logout, want none", n-served)
			}
		})
	}
}

// TestKeptAssertionNotReusedAfterIdentityChange: when the session record
// changes its identity (as a refresh that reads new groups writes it), the
// kept assertion no longer answers: replica B signs one stating the new
// groups instead of forwarding A's.
func TestKeptAssertionNotReusedAfterIdentityChange(t *testing.T) {
	p := startKeptPair(t)
	a, b := p.a, p.b
	br := newBrowser(t)
	br.loginAlice(a)
	before := proxiedAssertions(t, a, br, 1)[0]

	// The refresh's write, done through the store as the refresh does: the
	// provider's groups for Alice changed.
	store, err := redisstore.New(redisstore.Options{Addresses: []string{a.Redis.Addr()}, KeyPrefix: "gatehouse:"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	ids := a.Redis.Keys(t, "gatehouse:s:*")
	if len(ids) != 1 {
		t.Fatalf("%d sessions in Redis, want 1", len(ids))
	}
	s, err := store.Load(context.Background(), strings.TrimPrefix(ids[0], "gatehouse:s:"))
	if err != nil {
		t.Fatal(err)
	}
	s.Groups = append(s.Groups, "auditors")
	if err := store.Update(context.Background(), s, time.Hour); err != nil {
		t.Fatal(err)
	}

	testutil.Eventually(t, "B forwards an assertion with the new groups", invalidationWait, func() bool {
		after := proxiedAssertions(t, b, br, 1)[0]
		return after != before && slices.Contains(assertionGroups(t, after), "auditors")
	})
	if groups := assertionGroups(t, before); slices.Contains(groups, "auditors") {
		t.Fatalf("the first assertion already had the new group: %v", groups)
	}
}

// assertionGroups reads the groups claim of an assertion (unverified: the
// test only compares what two replicas forwarded).
func assertionGroups(t *testing.T, token string) []string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Groups []string `json:"groups"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return c.Groups
}
