package demo

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestDemoPagesInBrowser walks through the demo as a newcomer does, in
// Chromium: the provider's login form (named, the demo user prefilled), a
// wrong password, the app page after login, and the signed-out page. Each
// page is saved as a screenshot.
func TestDemoPagesInBrowser(t *testing.T) {
	ctx := testutil.Chromium(t)
	d := startDemo(t, zap.NewNop())
	shot := testutil.Screenshotter(ctx, t)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	// The app leads to the provider's form, titled and with the user filled in.
	if err := chromedp.Do(ctx, chromedp.Navigate(d.appURL+"/"), chromedp.WaitVisible(chromedp.CSS("#username"))); err != nil {
		t.Fatalf("open the demo: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || !strings.Contains(title, "Demo provider") {
		t.Errorf("login form title %q (%v), want it to name the demo provider", title, err)
	}
	if user, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#username"))); err != nil || user != d.user {
		t.Errorf("username field holds %q (%v), want the printed user %q", user, err, d.user)
	}
	if pw, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#password"))); err != nil || pw != "" {
		t.Errorf("password field holds %q (%v), want it empty", pw, err)
	}
	shot("demo-1-provider-login.png")

	// A wrong password: the same form again, saying so.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), "not-the-password"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".error")),
	); err != nil {
		t.Fatalf("submit a wrong password: %v", err)
	}
	if msg := text(".error"); msg != "Wrong username or password." {
		t.Errorf("wrong password message %q", msg)
	}
	shot("demo-2-provider-wrong-password.png")

	// The right password: the app page shows the identity.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), d.password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("a.button")),
	); err != nil {
		t.Fatalf("log in: %v", err)
	}
	if h1 := text("h1"); h1 != "gatehouse demo upstream" {
		t.Fatalf("after login the page says %q", h1)
	}
	shot("demo-3-app.png")

	// Log out: the signed-out page, without a stray separator.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.button")), chromedp.WaitVisible(chromedp.CSS(".status"))); err != nil {
		t.Fatalf("log out: %v", err)
	}
	if h1 := text("h1"); h1 != "Signed out" {
		t.Fatalf("after logout the page says %q", h1)
	}
	if status := text(".status"); strings.HasPrefix(status, "·") {
		t.Errorf("signed-out status line starts with a stray separator: %q", status)
	}
	shot("demo-4-signed-out.png")
}
