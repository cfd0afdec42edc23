package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/badidp"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// staffRule lets only the staff group into /staff.
const staffRule = `
authorization:
  rules:
    - path: /staff
      allowed_groups: [staff]
`

// checkAccess asserts what each replica answers Alice's cookie on /staff
// (403 page for a browser, 403 JSON for an API call, when denied) and which
// groups the upstream and the assertion see on another page.
func checkAccess(t *testing.T, gates []*gate, cookie string, staff bool, groups []string) {
	t.Helper()
	for i, g := range gates {
		browserResp := rawGet(t, g, "/staff/page", "Cookie", cookie, "Accept", "text/html")
		apiResp := rawGet(t, g, "/staff/api", "Cookie", cookie, "Accept", "application/json")
		if staff {
			if browserResp.StatusCode != http.StatusOK || apiResp.StatusCode != http.StatusOK {
				t.Fatalf("replica %d: /staff answered %d (browser) and %d (API), want 200", i, browserResp.StatusCode, apiResp.StatusCode)
			}
		} else {
			body, _ := io.ReadAll(browserResp.Body)
			if browserResp.StatusCode != http.StatusForbidden || !strings.HasPrefix(browserResp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(string(body), "Access denied") {
				t.Fatalf("replica %d: browser /staff: %d %q, want the 403 page", i, browserResp.StatusCode, browserResp.Header.Get("Content-Type"))
			}
			if apiResp.StatusCode != http.StatusForbidden || !strings.HasPrefix(apiResp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("replica %d: API /staff: %d %q, want 403 JSON", i, apiResp.StatusCode, apiResp.Header.Get("Content-Type"))
			}
		}
		if resp := rawGet(t, g, "/home", "Cookie", cookie, "Accept", "application/json"); resp.StatusCode != http.StatusOK {
			t.Fatalf("replica %d: /home answered %d", i, resp.StatusCode)
		}
		if got := g.Upstream.last(t).Header.Get("X-Forwarded-Groups"); got != strings.Join(groups, ",") {
			t.Errorf("replica %d: upstream X-Forwarded-Groups = %q, want %q", i, got, strings.Join(groups, ","))
		}
		if got := assertionGroups(t, g.Upstream.last(t).Header.Get("X-Gatehouse-Assertion")); !slices.Equal(got, groups) {
			t.Errorf("replica %d: assertion groups = %q, want %q", i, got, groups)
		}
	}
}

// TestRefreshReReadsGroups: two replicas on one Redis. Alice is in staff and
// reaches /staff on both. The provider then drops her from staff; within
// one access-token lifetime (injected clock: the refresh is due after
// untilDue, the token lives 5 minutes) the refresh re-reads her identity,
// both replicas answer 403 on /staff, and the upstream headers and the
// signed assertion carry the new groups.
func TestRefreshReReadsGroups(t *testing.T) {
	clock := newClock()
	gates := startGates(t, 2, withStore("redis"), withConfigFile(staffRule), withClock(clock),
		withEnv("GATEHOUSE_SESSION_REFRESH_BEFORE="+clockRefreshBefore))
	idp := gates[0].IDP
	b := newBrowser(t)
	b.loginAlice(gates[0])
	cookie := "gatehouse=" + b.sessionCookie(gates[0])
	checkAccess(t, gates, cookie, true, []string{"admins", "staff"})

	idp.SetGroups(t, testidp.Alice.Username, "admins")
	// Until the next refresh the session keeps what the provider said at login.
	checkAccess(t, gates, cookie, true, []string{"admins", "staff"})

	refreshes := idp.RefreshGrants()
	clock.Advance(untilDue)
	checkAccess(t, gates, cookie, false, []string{"admins"})
	if got := idp.RefreshGrants() - refreshes; got != 1 {
		t.Errorf("%d refresh grants, want 1 (one replica refreshes, the other reads the result)", got)
	}

	// Back in staff: the next refresh lets her in again.
	idp.SetGroups(t, testidp.Alice.Username, "admins", "staff")
	clock.Advance(untilDue)
	checkAccess(t, gates, cookie, true, []string{"admins", "staff"})
}

// TestRevalidateInterval: the provider's access tokens outlive the test (24
// h), so no refresh happens. With session.revalidate_interval 5m the
// identity is read again from userinfo once per 5 minutes since login, by
// one of the two replicas: after the user is dropped from staff both answer
// 403 once the interval has passed, and not before. When userinfo then
// refuses the access token (401), the session ends on both.
func TestRevalidateInterval(t *testing.T) {
	p := badidp.Start(t)
	var groups atomic.Pointer[[]string]
	setGroups := func(g ...string) { groups.Store(&g) }
	setGroups("admins", "staff")
	var revoked atomic.Bool
	p.Set(func(b *badidp.Behaviour) {
		b.AccessTokenLifetime = 24 * time.Hour
		b.Userinfo = func(w http.ResponseWriter, _ *http.Request) {
			if revoked.Load() {
				http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"sub": badidp.Subject, "email": "mallory@example.com", "groups": *groups.Load()})
		}
	})
	clock := newClock()
	gates := startGates(t, 2, withStore("redis"), withProvider(p.Issuer, badidp.ClientID, badidp.ClientSecret),
		withConfigFile(staffRule), withClock(clock), withEnv("GATEHOUSE_SESSION_REVALIDATE_INTERVAL=5m"))
	b := newBrowser(t)
	if resp := (&badGate{gate: gates[0], idp: p}).attemptLogin(b); resp.StatusCode != http.StatusFound {
		t.Fatalf("login: status %d: %s", resp.StatusCode, readAll(t, resp))
	}
	cookie := "gatehouse=" + b.sessionCookie(gates[0])
	checkAccess(t, gates, cookie, true, []string{"admins", "staff"})

	setGroups("admins")
	userinfos := p.Count(badidp.UserinfoPath)
	clock.Advance(4 * time.Minute)
	checkAccess(t, gates, cookie, true, []string{"admins", "staff"})
	if got := p.Count(badidp.UserinfoPath) - userinfos; got != 0 {
		t.Fatalf("userinfo asked %d times before the interval passed", got)
	}

	clock.Advance(time.Minute)
	checkAccess(t, gates, cookie, false, []string{"admins"})
	if got := p.Count(badidp.UserinfoPath) - userinfos; got != 1 {
		t.Errorf("userinfo asked %d times in one interval across both replicas, want 1", got)
	}
	if got := p.Count(badidp.TokenPath); got != 1 {
		t.Errorf("%d token requests: the 24 h token should not have been refreshed", got)
	}

	revoked.Store(true)
	clock.Advance(5 * time.Minute)
	for i, g := range gates {
		if resp := rawGet(t, g, "/home", "Cookie", cookie, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replica %d: after userinfo refused the token, /home answered %d, want 401", i, resp.StatusCode)
		}
	}
}
