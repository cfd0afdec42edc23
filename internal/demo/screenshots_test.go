package demo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
)

// demoChromium starts a headless Debian Chromium with a fresh profile. Without
// it the test skips, unless CI=true, where a missing browser is a broken
// environment.
func demoChromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (CI=true): apt-get install chromium")
		}
		t.Skip("chromium is not installed: apt-get install chromium")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(1024, 720),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	return ctx
}

// screenshotDir is $GATEHOUSE_SCREENSHOTS, or the test's temp dir: the
// pictures are for people to look at and are never committed.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GATEHOUSE_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDemoPagesInBrowser walks through the demo as a newcomer does, in
// Chromium: the provider's login form (named, the demo user prefilled), a
// wrong password, the app page after login, and the signed-out page. Each
// page is saved as a screenshot.
func TestDemoPagesInBrowser(t *testing.T) {
	ctx := demoChromium(t)
	d := startDemo(t, zap.NewNop())
	dir := screenshotDir(t)
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
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
