package e2e

import (
	"net/http"
	"testing"
	"time"
)

// use sends one API request every step until the deadline, each of which must
// succeed.
func use(t *testing.T, b *browser, g *gate, until time.Time, step time.Duration) {
	t.Helper()
	for time.Now().Before(until) {
		if resp := b.api(g.URL + "/active"); resp.StatusCode != http.StatusOK {
			t.Fatalf("active session: status %d, want 200", resp.StatusCode)
		}
		time.Sleep(step)
	}
}

// TestIdleTimeoutSlides: a session in use outlives its idle timeout (the
// timeout slides, written back in steps of a quarter of it); unused for
// longer than the timeout it ends.
func TestIdleTimeoutSlides(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		g := startGate(t, withStore(store), withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=2s"))
		b := newBrowser(t)
		b.loginAlice(g)
		use(t, b, g, time.Now().Add(3500*time.Millisecond), 250*time.Millisecond)

		time.Sleep(2500 * time.Millisecond)
		if resp := b.api(g.URL + "/later"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("after 2.5s idle: status %d, want 401", resp.StatusCode)
		}
		if resp := b.navigate(g.URL + "/later"); resp.StatusCode != http.StatusFound {
			t.Fatalf("navigation after idle timeout: status %d, want 302 to login", resp.StatusCode)
		}
	})
}

// TestAbsoluteTimeoutNeverSlides: however active, a session ends at its
// absolute timeout.
func TestAbsoluteTimeoutNeverSlides(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		t.Parallel()
		g := startGate(t, withStore(store), withEnv("GATEHOUSE_SESSION_IDLE_TIMEOUT=2s", "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT=3s"))
		b := newBrowser(t)
		b.loginAlice(g)
		loggedIn := time.Now()
		// The cookie's Max-Age is the absolute timeout too; send it by hand
		// so that the server, not the cookie jar, decides.
		cookie := "gatehouse=" + b.sessionCookie(g)
		use(t, b, g, loggedIn.Add(2500*time.Millisecond), 250*time.Millisecond)
		sleepUntil(loggedIn.Add(3200 * time.Millisecond))
		if resp := newBrowser(t).api(g.URL+"/late", "Cookie", cookie); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("after the absolute timeout: status %d, want 401", resp.StatusCode)
		}
	})
}
