package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/hydratest"
)

// hydraStepUp logs b in at /start?rd=rd through Hydra, deciding each login
// page with login, and returns the callback's answer.
func hydraStepUp(t *testing.T, b *browser, g *gate, h *hydratest.Hydra, rd string, login func(hydratest.LoginRequest) (subject, acr string)) *http.Response {
	t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?rd=" + url.QueryEscape(rd))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.Issuer) {
		t.Fatalf("start: status %d, want 302 to Hydra", resp.StatusCode)
	}
	callback := h.LoginAs(t, b.Client, resp.Header.Get("Location"), "someone@example.com", login)
	if !strings.HasPrefix(callback, g.URL+"/oauth2/callback?") {
		t.Fatalf("Hydra sent the browser to %q, not to the callback", callback)
	}
	return b.navigate(callback)
}

// TestStepUpHydra runs step-up against Ory Hydra v2.3.0: the second login
// asks for acr_values=mfa (Hydra shows it to its login page as
// oidc_context.acr_values), the login page accepts with acr "mfa", and the
// session then reaches /admin with acr and auth_time in the assertion.
// Hydra answering with acr "pwd" gets a 403 page and no redirect.
func TestStepUpHydra(t *testing.T) {
	g, h := startHydraGate(t, withConfigFile(stepUpPolicy))

	t.Run("acr mfa", func(t *testing.T) {
		b := newBrowser(t)
		hydraLogin(t, b, g, h, "alice")
		if resp := b.navigate(g.URL + "/admin"); resp.StatusCode != http.StatusFound {
			t.Fatalf("/admin before step-up: %d, want 302 to log in", resp.StatusCode)
		}
		var asked []string
		resp := hydraStepUp(t, b, g, h, "/admin", func(req hydratest.LoginRequest) (string, string) {
			asked = req.Context.ACRValues
			return "alice", "mfa"
		})
		if !slices.Equal(asked, []string{"mfa", "hwk"}) {
			t.Errorf("Hydra's login request asked for acr_values %q, want [mfa hwk]", asked)
		}
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/admin" {
			t.Fatalf("step-up callback: %d to %q: %s", resp.StatusCode, resp.Header.Get("Location"), readAll(t, resp))
		}
		if resp := b.navigate(g.URL + "/admin"); resp.StatusCode != http.StatusOK {
			t.Fatalf("/admin after step-up: %d", resp.StatusCode)
		}
		claims := assertionClaims(t, g.Upstream.last(t))
		authTime, _ := claims["auth_time"].(float64)
		if claims["acr"] != "mfa" || claims["sub"] != "alice" || time.Since(time.Unix(int64(authTime), 0)) > time.Hour {
			t.Errorf("assertion: acr %v, sub %v, auth_time %v", claims["acr"], claims["sub"], claims["auth_time"])
		}
	})

	t.Run("acr pwd", func(t *testing.T) {
		b := newBrowser(t)
		hydraLogin(t, b, g, h, "carol")
		before := g.Upstream.count()
		resp := hydraStepUp(t, b, g, h, "/admin", func(hydratest.LoginRequest) (string, string) { return "carol", "pwd" })
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
			t.Fatalf("callback with acr pwd: %d to %q, want a 403 page", resp.StatusCode, resp.Header.Get("Location"))
		}
		if g.Upstream.count() != before {
			t.Error("the weaker login reached the upstream")
		}
		if resp := b.api(g.URL + "/admin"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/admin after acr pwd: %d, want 401", resp.StatusCode)
		}
	})

	t.Run("another subject ends the old session", func(t *testing.T) {
		b := newBrowser(t)
		hydraLogin(t, b, g, h, "dave")
		old := b.sessionCookie(g)
		// /root asks for max_age 0: prompt=login, so Hydra shows its login
		// page instead of reusing dave's login, and someone else signs in.
		var skip bool
		resp := hydraStepUp(t, b, g, h, "/root", func(req hydratest.LoginRequest) (string, string) {
			skip = req.Skip
			return "erin", "mfa"
		})
		if skip {
			t.Error("Hydra reused the remembered login despite prompt=login")
		}
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/root" {
			t.Fatalf("step-up callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp := b.navigate(g.URL + "/root"); resp.StatusCode != http.StatusOK {
			t.Fatalf("/root after step-up: %d", resp.StatusCode)
		}
		if claims := assertionClaims(t, g.Upstream.last(t)); claims["sub"] != "erin" || claims["acr"] != "mfa" {
			t.Errorf("assertion: sub %v acr %v, want erin mfa", claims["sub"], claims["acr"])
		}
		if resp := rawGet(t, g, "/other", "Accept", "application/json", "Cookie", "gatehouse="+old); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("dave's old session cookie: %d, want 401 (ended)", resp.StatusCode)
		}
	})
}

// TestStepUpHydraOldAuthTime: /fresh asks for a login within five minutes.
// Ten minutes on (gatehouse's clock), the step-up login asks Hydra for
// max_age=300; Hydra, whose own clock says its login is seconds old,
// reuses it and answers with the old auth_time. gatehouse refuses it with a
// 403 page instead of sending the browser round again.
func TestStepUpHydraOldAuthTime(t *testing.T) {
	clock := newClock()
	g, h := startHydraGate(t, withConfigFile(stepUpPolicy), withClock(clock))
	b := newBrowser(t)
	hydraLogin(t, b, g, h, "alice")
	if resp := b.navigate(g.URL + "/fresh"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/fresh right after login: %d", resp.StatusCode)
	}
	clock.Advance(10 * time.Minute)
	if resp := b.api(g.URL + "/fresh"); resp.StatusCode != http.StatusUnauthorized ||
		!strings.HasSuffix(resp.Header.Get("WWW-Authenticate"), ", max_age=300") {
		t.Fatalf("/fresh ten minutes on: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	var skip bool
	resp := hydraStepUp(t, b, g, h, "/fresh", func(req hydratest.LoginRequest) (string, string) {
		skip = req.Skip
		u, _ := url.Parse(req.RequestURL)
		if u == nil || u.Query().Get("max_age") != "300" {
			t.Errorf("Hydra's login request URL %q lacks max_age=300", req.RequestURL)
		}
		return "alice", ""
	})
	if !skip {
		t.Log("Hydra asked for a new login (its clock moved past max_age)")
	}
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
		t.Fatalf("callback with an old auth_time: %d to %q, want a 403 page", resp.StatusCode, resp.Header.Get("Location"))
	}
}
