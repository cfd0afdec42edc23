package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestRealBrowserEndsOtherSession: two Chromium instances, each with its own
// profile (two devices), log Alice in through two replicas. The first opens
// its sessions page, sees both sessions with its own marked, clicks "End" on
// the other one; the second is logged out at its next request (sent to the
// provider's login form instead of the app). A screenshot of the page goes
// to $GATEHOUSE_SCREENSHOTS (default: the test's temp dir).
func TestRealBrowserEndsOtherSession(t *testing.T) {
	// The gates first: cleanups run in reverse, so the browsers close their
	// keep-alive connections before the gates drain.
	a, b := startPair(t, withUpstream(identityPage()))
	first, second := testutil.Chromium(t), testutil.Chromium(t)
	startBrowsers(t, first, second)
	loginInBrowser(t, first, a)
	loginInBrowser(t, second, b)

	if err := chromedp.Do(first,
		chromedp.Navigate(a.URL+"/oauth2/sessions"),
		chromedp.WaitVisible(chromedp.CSS("tr.session.current")),
	); err != nil {
		t.Fatalf("open the sessions page: %v", err)
	}
	texts, err := chromedp.Run(first, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("tr.session")).map(r => r.className + "|" + r.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 2 {
		t.Fatalf("the page lists %d sessions, want 2: %q", len(texts), texts)
	}
	for _, row := range texts {
		if !strings.Contains(row, "Chrome on Linux") {
			t.Errorf("row %q does not describe headless Chromium on Linux", row)
		}
		if strings.Contains(row, "current") != strings.Contains(row, "This device") {
			t.Errorf("row %q: the current session and only it says This device", row)
		}
	}
	testutil.Screenshotter(first, t)("user-sessions.png")

	// End the other device's session with its button: the page comes back
	// with this device alone.
	if err := chromedp.Do(first,
		chromedp.Click(chromedp.CSS("tr.session:not(.current) button")),
		chromedp.WaitNotPresent(chromedp.CSS("tr.session:not(.current)")),
	); err != nil {
		t.Fatalf("click End: %v", err)
	}
	var left []string
	if left, err = chromedp.Run(first, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("tr.session")).map(r => r.className)`)); err != nil || len(left) != 1 {
		t.Fatalf("after End the page lists %q (%v), want this device alone", left, err)
	}

	// The other browser's next request, on either replica, is not logged in.
	for _, g := range []*gate{b, a} {
		if err := chromedp.Do(second,
			chromedp.Navigate(g.URL+"/app"),
			chromedp.WaitVisible(chromedp.ID("username")),
		); err != nil {
			t.Fatalf("the ended browser at %s: %v", g.URL, err)
		}
		loc, err := chromedp.Run(second, chromedp.Location())
		if err != nil || !strings.HasPrefix(loc, g.IDP.BaseURL+testidp.LoginPath) {
			t.Fatalf("the ended browser at %s is at %s (%v), want the provider's login form", g.URL, loc, err)
		}
	}
	// The first browser still reaches the app.
	if err := chromedp.Do(first, chromedp.Navigate(a.URL+"/app"), chromedp.WaitVisible(chromedp.ID("user"))); err != nil {
		t.Fatalf("the browser that ended the other session lost its own: %v", err)
	}
}

// startBrowsers launches the Chromium instances at once rather than one
// after the other at their first action: each takes seconds on a loaded
// machine.
func startBrowsers(t *testing.T, tabs ...context.Context) {
	t.Helper()
	errs := make(chan error, len(tabs))
	for _, ctx := range tabs {
		go func() { errs <- chromedp.Do(ctx) }()
	}
	for range tabs {
		if err := <-errs; err != nil {
			t.Fatalf("start chromium: %v", err)
		}
	}
}

// loginInBrowser logs Alice in through g's provider form in the tab ctx.
func loginInBrowser(t *testing.T, ctx context.Context, g *gate) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(g.URL+"/app"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), testidp.Alice.Username),
		chromedp.SendKeys(chromedp.ID("password"), testidp.Alice.Password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("user")),
	); err != nil {
		t.Fatalf("log in at %s: %v", g.URL, err)
	}
}
