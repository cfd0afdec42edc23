package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// wsPage is a page whose script opens a WebSocket to wsURL, sends a message
// and puts the outcome in the title: "message:<echo>" or "closed:<code>".
func wsPage(wsURL string) string {
	return fmt.Sprintf(`<!doctype html><title>pending</title><p>WebSocket page</p><script>
const ws = new WebSocket(%q);
ws.onopen = () => ws.send("read-the-inbox");
ws.onmessage = (e) => { document.title = "message:" + e.data; };
ws.onclose = (e) => { if (!document.title.startsWith("message:")) document.title = "closed:" + e.code; };
</script>`, wsURL)
}

// TestRealBrowserCrossSiteWebSocketHijacking: Chromium, logged in at
// gatehouse, visits another origin of the same site (the same host on
// another port: SameSite=Lax lets the session cookie go along, as it does
// from a sibling subdomain). That page's WebSocket to the application is
// refused; the application's own page still opens one.
func TestRealBrowserCrossSiteWebSocketHijacking(t *testing.T) {
	ctx := testutil.Chromium(t)
	ws := newWSEcho()
	handshakes := make(chan string, 16) // the user the upstream saw on each WebSocket handshake
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			handshakes <- r.Header.Get("X-Forwarded-User")
			ws.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, wsPage("ws://"+r.Host+"/ws"))
	})
	g := startGate(t, withUpstream(app))
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, wsPage("ws://"+strings.TrimPrefix(g.URL, "http://")+"/ws"))
	}))
	t.Cleanup(attacker.Close)

	title := func() string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := chromedp.Run(ctx, chromedp.Title())
			if err == nil && got != "pending" && got != "" && !strings.Contains(got, "Sign in") {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("the page's WebSocket did not settle: title %q, %v", got, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Log in through the provider's form; back on the application's page,
	// its own WebSocket works and carries Alice's identity.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(g.URL+"/page"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), testidp.Alice.Username),
		chromedp.SendKeys(chromedp.ID("password"), testidp.Alice.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("p")),
	); err != nil {
		t.Fatalf("log in: %v", err)
	}
	if got := title(); got != "message:read-the-inbox" {
		t.Fatalf("the application's own page: WebSocket ended with %q, want the echo", got)
	}
	if user := <-handshakes; user != testidp.Alice.ID {
		t.Fatalf("upstream saw the handshake as %q, want %q", user, testidp.Alice.ID)
	}

	// The other origin's page: the browser sends the cookie, gatehouse
	// refuses the handshake on its Origin.
	if err := chromedp.Do(ctx, chromedp.Navigate(attacker.URL+"/"), chromedp.WaitVisible(chromedp.CSS("p"))); err != nil {
		t.Fatal(err)
	}
	if got := title(); strings.HasPrefix(got, "message:") {
		t.Fatalf("a page of %s read the user's WebSocket: %q", attacker.URL, got)
	}
	select {
	case user := <-handshakes:
		t.Fatalf("the cross-origin handshake reached the upstream as %q", user)
	default:
	}
}
