package e2e

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// identityPage is an upstream that shows the identity gatehouse sent.
func identityPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>App</title><h1>Upstream app</h1>
<p>user: <span id="user">%s</span></p><p>email: <span id="email">%s</span></p>`,
			html.EscapeString(r.Header.Get("X-Forwarded-User")), html.EscapeString(r.Header.Get("X-Forwarded-Email")))
	})
}

// TestRealBrowserLoginAndLogout drives Debian's Chromium through a login at
// the provider's form, checks that page JavaScript cannot see the session
// cookie, logs out, and checks that neither going back nor reloading shows
// the application again. Screenshots of the provider's login form and the
// identity page go to $GATEHOUSE_SCREENSHOTS (default: the test's temp dir).
func TestRealBrowserLoginAndLogout(t *testing.T) {
	ctx := testutil.Chromium(t)
	g := startGate(t, withUpstream(identityPage()))
	screenshot := testutil.Screenshotter(ctx, t)
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}

	// The app sends the browser to the provider's login form.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(g.URL+"/app?tab=1"),
		chromedp.WaitVisible(chromedp.ID("username")),
	); err != nil {
		t.Fatalf("open the app: %v", err)
	}
	if loc := location(); !strings.HasPrefix(loc, g.IDP.BaseURL+testidp.LoginPath) {
		t.Fatalf("the app did not lead to the provider's login form but to %s", loc)
	}
	screenshot("provider-login.png")

	// Type the credentials and submit: back on the app, as Alice.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), testidp.Alice.Username),
		chromedp.SendKeys(chromedp.ID("password"), testidp.Alice.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("user")),
	); err != nil {
		t.Fatalf("log in at the provider: %v", err)
	}
	if loc := location(); loc != g.URL+"/app?tab=1" {
		t.Errorf("after login the browser is at %s, want the page it asked for", loc)
	}
	user, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("user")))
	if err != nil || user != testidp.Alice.ID {
		t.Fatalf("the app shows user %q (%v), want %q", user, err, testidp.Alice.ID)
	}
	screenshot("identity-page.png")

	// The session cookie exists but page JavaScript cannot read it.
	cookies, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.cookie"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cookies, "gatehouse") {
		t.Errorf("document.cookie shows gatehouse's cookies: %q", cookies)
	}

	// Log out, then go back and reload: the app is not shown again.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(g.URL+"/oauth2/logout"),
		chromedp.WaitVisible(chromedp.CSS("body")),
	); err != nil {
		t.Fatalf("logout: %v", err)
	}
	before := g.Upstream.count()
	for _, step := range []struct{ name, script string }{
		{"back", "history.back()"},
		{"reload", "location.reload()"},
	} {
		// history.back() rather than chromedp.NavigateBack: a page restored
		// from the back/forward cache fires no load event to wait for. The
		// marker tells the old document from the next one.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any]("window.gatehouseOld = true; "+step.script)); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		body := settledBody(t, ctx)
		if strings.Contains(body, "Upstream app") || strings.Contains(body, testidp.Alice.ID) {
			t.Errorf("after logout, %s shows the app again (at %s): %q", step.name, location(), body)
		}
	}
	if n := g.Upstream.count() - before; n != 0 {
		t.Errorf("the upstream served %d requests after logout", n)
	}
}

// settledBody waits until the tab shows a new, loaded document (one without
// the gatehouseOld marker) and returns its text.
func settledBody(t *testing.T, ctx context.Context) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			"[String(window.gatehouseOld === true), document.readyState, document.body ? document.body.innerText : '']"))
		if err == nil && len(state) == 3 && state[0] == "false" && state[1] == "complete" {
			return state[2]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page did not settle: %q %v", state, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestUserResponsesAreNotStored: a response made for a logged-in user
// without its own Cache-Control gets no-store (so the back button cannot show
// it after logout); the upstream's own Cache-Control is kept.
func TestUserResponsesAreNotStored(t *testing.T) {
	g := startGate(t, withUpstream(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/static.css" {
			w.Header().Set("Cache-Control", "public, max-age=60")
		}
		_, _ = w.Write([]byte("ok"))
	})))
	b := newBrowser(t)
	b.loginAlice(g)
	for path, want := range map[string]string{"/app": "no-store", "/static.css": "public, max-age=60"} {
		resp := b.navigate(g.URL + path)
		if got := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusOK || got != want {
			t.Errorf("%s: status %d Cache-Control %q, want 200 %q", path, resp.StatusCode, got, want)
		}
	}
}
