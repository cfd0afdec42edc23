package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// Short provider tokens for the refresh tests. The provider reports
// expires_in in whole seconds, rounded down: 5s tokens expire 4s after login,
// and with refresh_before 2s they are refreshed from 2s after login on.
const (
	tokenLifetime = 5 * time.Second
	tokenExpires  = 4 * time.Second
	refreshDueAt  = 2 * time.Second
)

func shortTokens(extra ...option) []option {
	return append([]option{
		withIDP(testidp.WithAccessTokenLifetime(tokenLifetime)),
		withEnv("GATEHOUSE_SESSION_REFRESH_BEFORE=2s", "GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN=true"),
	}, extra...)
}

// sleepUntil sleeps until t (no-op when it has passed).
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

// burst sends n API requests with the same session cookie at once, spread
// over the gates, and returns their status codes.
func burst(t *testing.T, gates []*gate, cookie string, n int) []int {
	t.Helper()
	statuses := make([]int, n)
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, gates[i%len(gates)].URL+fmt.Sprintf("/api/items/%d", i), nil)
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Cookie", cookie)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			_ = resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	return statuses
}

func assertAll(t *testing.T, statuses []int, want int) {
	t.Helper()
	for i, s := range statuses {
		if s != want {
			t.Errorf("request %d: status %d, want %d", i, s, want)
		}
	}
}

// since returns the upstream requests after the first n.
func (r *recorder) since(n int) []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.got[n:]...)
}

// TestRefreshOncePerSessionAcrossReplicas: 50 simultaneous requests of one
// browser, spread over two replicas sharing Redis (one process with the
// memory store), refresh the tokens exactly once, first while the old access
// token is still valid, then after it has expired; every request succeeds.
func TestRefreshOncePerSessionAcrossReplicas(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		replicas := 1
		if store == "redis" {
			replicas = 2
		}
		gates := startGates(t, replicas, shortTokens(withStore(store))...)
		idp, up := gates[0].IDP, gates[0].Upstream
		b := newBrowser(t)
		b.loginAlice(gates[0])
		loggedIn := time.Now()
		cookie := "gatehouse=" + b.sessionCookie(gates[0])

		// 1. Refresh due, old token still valid.
		sleepUntil(loggedIn.Add(refreshDueAt + 500*time.Millisecond))
		before, seen := idp.RefreshGrants(), up.count()
		assertAll(t, burst(t, gates, cookie, 50), http.StatusOK)
		refreshed := time.Now()
		if got := idp.RefreshGrants() - before; got != 1 {
			t.Fatalf("burst with a valid token: %d refresh grants, want exactly 1", got)
		}
		if got := len(up.since(seen)); got != 50 {
			t.Fatalf("upstream got %d requests, want 50", got)
		}

		// 2. The refreshed token has expired: requests wait for the one refresh
		// and all go upstream with the new access token.
		sleepUntil(refreshed.Add(tokenExpires + 500*time.Millisecond))
		before, seen = idp.RefreshGrants(), up.count()
		assertAll(t, burst(t, gates, cookie, 50), http.StatusOK)
		if got := idp.RefreshGrants() - before; got != 1 {
			t.Fatalf("burst with an expired token: %d refresh grants, want exactly 1", got)
		}
		issued := idp.IssuedTokens()
		latest := issued[len(issued)-1].AccessToken
		for i, req := range up.since(seen) {
			if req.Header.Get("X-Forwarded-Access-Token") != latest {
				t.Fatalf("upstream request %d did not carry the refreshed access token", i)
			}
		}
		// The session id did not change: the browser's cookie still works.
		if resp := b.api(gates[len(gates)-1].URL + "/after"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request after the refreshes: status %d", resp.StatusCode)
		}
	})
}

// TestRevokedRefreshTokenEndsSession: once the provider has revoked the
// refresh token, the first request after the access token expired ends the
// session: a navigation is sent to log in, an API call gets 401.
func TestRevokedRefreshTokenEndsSession(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		g := startGate(t, shortTokens(withStore(store))...)
		nav, api := newBrowser(t), newBrowser(t)
		nav.loginAlice(g)
		api.loginAlice(g)
		loggedIn := time.Now()
		g.IDP.RevokeTokens(t, testidp.Alice.Username)

		sleepUntil(loggedIn.Add(tokenExpires + 300*time.Millisecond))
		seen, grants := g.Upstream.count(), g.IDP.RefreshGrants()
		resp := nav.navigate(g.URL + "/dashboard")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), g.URL+"/oauth2/start?rd=") {
			t.Fatalf("navigation after revocation: status %d Location %q, want 302 to /oauth2/start", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp := api.api(g.URL + "/api/items"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("API call after revocation: status %d, want 401", resp.StatusCode)
		}
		if g.IDP.RefreshGrants()-grants != 2 {
			t.Fatalf("%d refresh attempts, want one per session (2)", g.IDP.RefreshGrants()-grants)
		}
		// The sessions are gone, not merely refused once.
		if resp := api.api(g.URL + "/api/items"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("second API call: status %d, want 401", resp.StatusCode)
		}
		if g.IDP.RefreshGrants()-grants != 2 {
			t.Fatal("an ended session tried to refresh again")
		}
		if g.Upstream.count() != seen {
			t.Fatal("a request with a revoked session reached the upstream")
		}
	})
}

// TestProviderOutageKeepsSession: a refresh that fails because the provider
// is down keeps the session while the access token is valid, answers 503
// once it has expired (never a logout), and succeeds when the provider is back.
func TestProviderOutageKeepsSession(t *testing.T) {
	t.Parallel()
	g := startGate(t, shortTokens(withStore("redis"))...)
	b := newBrowser(t)
	b.loginAlice(g)
	loggedIn := time.Now()

	g.IDP.SetDown(true)
	sleepUntil(loggedIn.Add(refreshDueAt + 300*time.Millisecond))
	if resp := b.api(g.URL + "/a"); resp.StatusCode != http.StatusOK {
		t.Fatalf("refresh due, provider down, token valid: status %d, want 200", resp.StatusCode)
	}
	sleepUntil(loggedIn.Add(tokenExpires + 300*time.Millisecond))
	if resp := b.api(g.URL + "/b"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("token expired, provider down: status %d, want 503", resp.StatusCode)
	}
	issued := len(g.IDP.IssuedTokens())
	g.IDP.SetDown(false)
	if resp := b.api(g.URL + "/c"); resp.StatusCode != http.StatusOK {
		t.Fatalf("provider back: status %d, want 200", resp.StatusCode)
	}
	if len(g.IDP.IssuedTokens()) != issued+1 {
		t.Fatal("no tokens were refreshed after the provider came back")
	}
	if got := g.Upstream.last(t).Header.Get("X-Forwarded-Access-Token"); got != g.IDP.IssuedTokens()[issued].AccessToken {
		t.Fatal("upstream did not get the refreshed access token")
	}
}

// TestRefreshedIDTokenOfAnotherUserEndsSession: a refresh whose new ID token
// names another subject (a fault injected at the provider, with a correctly
// signed token) ends the session instead of switching users.
func TestRefreshedIDTokenOfAnotherUserEndsSession(t *testing.T) {
	t.Parallel()
	g := startGate(t, shortTokens()...)
	b := newBrowser(t)
	b.loginAlice(g)
	loggedIn := time.Now()
	g.IDP.SetRefreshSubject(testidp.Bob.ID)
	sleepUntil(loggedIn.Add(refreshDueAt + 300*time.Millisecond))
	seen := g.Upstream.count()
	if resp := b.api(g.URL + "/x"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("refresh with another subject: status %d, want 401", resp.StatusCode)
	}
	if g.IDP.RefreshGrants() != 1 {
		t.Fatalf("%d refresh grants, want 1", g.IDP.RefreshGrants())
	}
	if g.Upstream.count() != seen {
		t.Fatal("the request reached the upstream")
	}
}
