package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// noRefreshToken leaves offline_access out of the scopes: the provider then
// issues no refresh token, and only the timeouts decide how long a session
// lives (a refresh would slide the idle timeout as well).
var noRefreshToken = withEnv("GATEHOUSE_OIDC_SCOPES=openid profile email")

// TestIdleTimeoutSlides: a session in use outlives its idle timeout (each use
// moves it on; the write-back happens at most once a minute); unused for
// exactly the timeout it ends. The clock moves; the stores keep the session
// meanwhile (their expiry runs on the wall clock), so gatehouse's own check
// ends it.
func TestIdleTimeoutSlides(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		clock := newClock()
		g := startGate(t, withClock(clock), withStore(store), noRefreshToken,
			withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=10m"))
		b := newBrowser(t)
		b.loginAlice(g)
		// Used every 4 min for 40 min, four times the idle timeout.
		for i := range 10 {
			clock.Advance(4 * time.Minute)
			if resp := b.api(g.URL + "/active"); resp.StatusCode != http.StatusOK {
				t.Fatalf("use %d min after login: status %d, want 200", 4*(i+1), resp.StatusCode)
			}
		}
		clock.Advance(10*time.Minute - time.Second)
		if resp := b.api(g.URL + "/almost"); resp.StatusCode != http.StatusOK {
			t.Fatalf("idle 1s short of the timeout: status %d, want 200", resp.StatusCode)
		}
		clock.Advance(10 * time.Minute)
		if resp := b.api(g.URL + "/later"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("idle for the timeout: status %d, want 401", resp.StatusCode)
		}
		if resp := b.navigate(g.URL + "/later"); resp.StatusCode != http.StatusFound {
			t.Fatalf("navigation after idle timeout: status %d, want 302 to login", resp.StatusCode)
		}
	})
}

// TestAbsoluteTimeoutNeverSlides: however active, a session ends at its
// absolute timeout. The clock moves.
func TestAbsoluteTimeoutNeverSlides(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		clock := newClock()
		g := startGate(t, withClock(clock), withStore(store), noRefreshToken,
			withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=10m", "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT=1h"))
		b := newBrowser(t)
		b.loginAlice(g)
		// Used every 5 min up to 55 min after login, then at 59 min: each use
		// slides the idle timeout past the absolute one. The last write keeps
		// the session in the store for its remaining minute of wall time, so
		// the store still holds it at 60 min and gatehouse's check must end it.
		var since time.Duration
		step := func(d time.Duration) int {
			clock.Advance(d)
			since += d
			return b.api(g.URL + "/active").StatusCode
		}
		for since < 55*time.Minute {
			if status := step(5 * time.Minute); status != http.StatusOK {
				t.Fatalf("%v after login: status %d, want 200", since, status)
			}
		}
		if status := step(4 * time.Minute); status != http.StatusOK {
			t.Fatalf("%v after login: status %d, want 200", since, status)
		}
		if status := step(time.Minute); status != http.StatusUnauthorized {
			t.Fatalf("at the absolute timeout (%v after login): status %d, want 401", since, status)
		}
	})
}

// TestIdleTimeoutWallClock runs on the wall clock, on purpose: the stores
// expire an idle session by themselves (Redis's key TTL, the memory store's
// own expiry), which no injected clock reaches. ~10 s, margins of 2 s or more:
// requests every 250 ms keep a 3 s timeout sliding for 4.5 s, then 5 s idle.
func TestIdleTimeoutWallClock(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		g := startGate(t, withStore(store), withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=3s"))
		b := newBrowser(t)
		b.loginAlice(g)
		for until := time.Now().Add(4500 * time.Millisecond); time.Now().Before(until); time.Sleep(250 * time.Millisecond) {
			if resp := b.api(g.URL + "/active"); resp.StatusCode != http.StatusOK {
				t.Fatalf("active session: status %d, want 200", resp.StatusCode)
			}
		}

		time.Sleep(5 * time.Second)
		if g.Redis != nil {
			if keys := g.Redis.Keys(t, "gatehouse:s:*"); len(keys) != 0 {
				t.Fatalf("Redis still holds the idle session: %v", keys)
			}
		}
		if resp := b.api(g.URL + "/later"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("after 5s idle: status %d, want 401", resp.StatusCode)
		}
		if resp := b.navigate(g.URL + "/later"); resp.StatusCode != http.StatusFound {
			t.Fatalf("navigation after idle timeout: status %d, want 302 to login", resp.StatusCode)
		}
	})
}

// TestAbsoluteTimeoutWallClock runs on the wall clock, on purpose: gatehouse
// caps the store's TTL at the absolute timeout and the cookie's own
// timestamp expires with it; neither follows an injected clock. A session in
// use every 250 ms (idle timeout 3 s) must answer 200 for 2 s and 401 from
// 2 s after its 4 s absolute timeout on, never 200 again once ended. ~6 s.
func TestAbsoluteTimeoutWallClock(t *testing.T) {
	t.Parallel()
	g := startGate(t, withStore("redis"),
		withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=3s", "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT=4s"))
	b := newBrowser(t)
	b.loginAlice(g)
	loggedIn := time.Now()
	// The cookie's Max-Age is the absolute timeout too; send it by hand so
	// that the server, not the cookie jar, decides.
	cookie := "gatehouse=" + b.sessionCookie(g)
	client := newBrowser(t)
	ended := false
	for {
		sent := time.Now()
		status := client.api(g.URL+"/active", "Cookie", cookie).StatusCode
		switch {
		case sent.Before(loggedIn.Add(2*time.Second)) && status != http.StatusOK:
			t.Fatalf("%v after login: status %d, want 200", sent.Sub(loggedIn), status)
		case ended && status != http.StatusUnauthorized:
			t.Fatalf("%v after login, after the session had ended: status %d, want 401", sent.Sub(loggedIn), status)
		case sent.After(loggedIn.Add(6 * time.Second)):
			if status != http.StatusUnauthorized {
				t.Fatalf("%v after login, past the absolute timeout: status %d, want 401", sent.Sub(loggedIn), status)
			}
			return
		}
		if status == http.StatusUnauthorized {
			ended = true
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestIdleSlideWritesAtItsInterval: with the default 8 h idle timeout a
// session in use writes its record back to the real Redis once per 5
// minutes (1/64 of the timeout, at most 5), not at every request nor every
// minute: each write also makes every replica read the record afresh. The
// clock moves.
func TestIdleSlideWritesAtItsInterval(t *testing.T) {
	clock := newClock()
	g := startGate(t, withClock(clock), withStore("redis"), noRefreshToken,
		withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=8h"))
	b := newBrowser(t)
	b.loginAlice(g)
	sets := func() int {
		t.Helper()
		v := g.Redis.Info("commandstats")["cmdstat_set"]
		calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
		n, _ := strconv.Atoi(calls)
		return n
	}
	use := func(path string) {
		t.Helper()
		if resp := b.api(g.URL + path); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200", path, resp.StatusCode)
		}
	}
	before := sets()
	for range 4 { // a request a minute for four minutes: no write
		clock.Advance(time.Minute)
		use("/minute")
	}
	if n := sets() - before; n != 0 {
		t.Fatalf("%d record writes within 4 minutes of use, want none", n)
	}
	clock.Advance(time.Minute) // 5 minutes after login
	use("/five")
	if n := sets() - before; n != 1 {
		t.Fatalf("%d record writes at 5 minutes, want 1 (the slide)", n)
	}
}
