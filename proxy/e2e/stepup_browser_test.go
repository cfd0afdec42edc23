package e2e

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/hydratest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// hydraPages plays Hydra's login and consent pages inside Chromium: the
// browser's requests for them are intercepted (DevTools Fetch domain) and
// answered with the redirect Hydra gives when the challenge is accepted
// through its admin API. Each login request is recorded; acr decides the acr
// the login page confirms.
type hydraPages struct {
	mu     sync.Mutex
	logins []hydratest.LoginRequest
	acr    string
}

func (p *hydraPages) setACR(acr string) { p.mu.Lock(); p.acr = acr; p.mu.Unlock() }

func (p *hydraPages) seen() []hydratest.LoginRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]hydratest.LoginRequest(nil), p.logins...)
}

func serveHydraPages(t *testing.T, ctx context.Context, h *hydratest.Hydra, subject string) *hydraPages {
	t.Helper()
	p := &hydraPages{}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		events := cdp.Events(ctx, tab, fetch.RequestPaused)
		go func() {
			for ev, err := range events {
				if err != nil {
					return
				}
				u, _ := url.Parse(ev.Request.URL)
				next := ""
				if challenge, ok := h.LoginPage(u); ok {
					req := h.LoginRequest(t, challenge)
					p.mu.Lock()
					p.logins = append(p.logins, req)
					acr := p.acr
					p.mu.Unlock()
					next = h.AcceptLogin(t, challenge, subject, acr)
				} else if challenge, ok := h.ConsentPage(u); ok {
					next = h.AcceptConsent(t, challenge, subject+"@example.com")
				}
				params := fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 404}
				if next != "" {
					params.ResponseCode = 302
					params.ResponseHeaders = []*fetch.HeaderEntry{{Name: "Location", Value: next}}
				}
				if _, err := cdp.Call(ctx, tab, fetch.FulfillRequest, params); err != nil {
					t.Errorf("answer %s: %v", ev.Request.URL, err)
				}
			}
		}()
		_, err := cdp.Call(ctx, tab, fetch.Enable, fetch.EnableParams{
			Patterns: []*fetch.RequestPattern{{URLPattern: "http://login.hydratest.invalid/*"}}})
		return err
	}))
	if err != nil {
		t.Fatalf("intercept Hydra's pages: %v", err)
	}
	return p
}

// TestStepUpHydraChromium drives Chromium through step-up against Ory
// Hydra: log in, open /admin (a rule asks for acr mfa), see the second
// login ask for acr_values mfa, confirm mfa, and land on /admin. A second
// browser whose login page confirms only "pwd" ends on gatehouse's 403 page
// after exactly one more login: no redirect loop.
func TestStepUpHydraChromium(t *testing.T) {
	g, h := startHydraGate(t, withConfigFile(stepUpPolicy), withUpstream(identityPage()))

	t.Run("mfa", func(t *testing.T) {
		ctx := testutil.Chromium(t)
		pages := serveHydraPages(t, ctx, h, "alice")
		screenshot := testutil.Screenshotter(ctx, t)
		if err := chromedp.Do(ctx, chromedp.Navigate(g.URL+"/app"), chromedp.WaitVisible(chromedp.ID("user"))); err != nil {
			t.Fatalf("first login: %v", err)
		}
		if n := len(pages.seen()); n != 1 {
			t.Fatalf("first login: Hydra showed %d login pages, want 1", n)
		}
		pages.setACR("mfa")
		if err := chromedp.Do(ctx, chromedp.Navigate(g.URL+"/admin?tab=1"), chromedp.WaitVisible(chromedp.ID("user"))); err != nil {
			t.Fatalf("open /admin: %v", err)
		}
		screenshot("stepup-admin.png")
		logins := pages.seen()
		if len(logins) != 2 || strings.Join(logins[1].Context.ACRValues, " ") != "mfa hwk" {
			t.Fatalf("logins: %d, the second asking for acr_values %v; want 2, [mfa hwk]", len(logins), logins[len(logins)-1].Context.ACRValues)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || loc != g.URL+"/admin?tab=1" {
			t.Fatalf("after step-up the browser is at %q (%v)", loc, err)
		}
		if claims := assertionClaims(t, g.Upstream.last(t)); claims["acr"] != "mfa" {
			t.Errorf("assertion acr = %v, want mfa", claims["acr"])
		}
	})

	t.Run("pwd", func(t *testing.T) {
		ctx := testutil.Chromium(t)
		pages := serveHydraPages(t, ctx, h, "bob")
		if err := chromedp.Do(ctx, chromedp.Navigate(g.URL+"/app"), chromedp.WaitVisible(chromedp.ID("user"))); err != nil {
			t.Fatalf("first login: %v", err)
		}
		pages.setACR("pwd")
		before := g.Upstream.count()
		if err := chromedp.Do(ctx, chromedp.Navigate(g.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			t.Fatalf("open /admin: %v", err)
		}
		title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
		if err != nil || title != "Stronger sign-in required" {
			t.Fatalf("page title %q (%v), want gatehouse's 403 page", title, err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.HasPrefix(loc, g.URL+"/oauth2/callback?") {
			t.Errorf("the browser ended at %q, want the callback's page", loc)
		}
		if n := len(pages.seen()); n != 2 {
			t.Errorf("Hydra showed %d login pages, want 2 (no loop)", n)
		}
		// Only /admin counts: Chromium may still fetch /favicon.ico for the
		// first page, which the upstream serves to bob as it should.
		for _, req := range g.Upstream.since(before) {
			if strings.HasPrefix(req.URL.Path, "/admin") {
				t.Errorf("the upstream served %s for the weaker login", req.URL.Path)
			}
		}
	})
}
