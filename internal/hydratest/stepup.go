package hydratest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// LoginRequest is what Hydra's admin API says about a login challenge: what
// a real login page would read before deciding how to authenticate.
type LoginRequest struct {
	Challenge string `json:"challenge"`
	// Skip: Hydra remembers an authentication for this browser that the
	// request accepts (no prompt=login, max_age not exceeded).
	Skip    bool   `json:"skip"`
	Subject string `json:"subject"`
	// RequestURL is the authorization request as the client sent it.
	RequestURL string `json:"request_url"`
	Context    struct {
		ACRValues []string `json:"acr_values"`
	} `json:"oidc_context"`
}

// LoginPage and ConsentPage report whether a URL is the login or consent
// page Hydra sends the browser to, returning its challenge.
func (h *Hydra) LoginPage(u *url.URL) (challenge string, ok bool) {
	return h.page(u, h.loginURL, "login_challenge")
}

func (h *Hydra) ConsentPage(u *url.URL) (challenge string, ok bool) {
	return h.page(u, h.consentURL, "consent_challenge")
}

func (h *Hydra) page(u *url.URL, page, param string) (string, bool) {
	if !strings.HasPrefix(u.String(), page+"?") {
		return "", false
	}
	return u.Query().Get(param), true
}

// LoginRequest reads a login challenge.
func (h *Hydra) LoginRequest(t testing.TB, challenge string) LoginRequest {
	t.Helper()
	var req LoginRequest
	h.admin(t, http.MethodGet, "/admin/oauth2/auth/requests/login?login_challenge="+url.QueryEscape(challenge), nil, &req)
	return req
}

// AcceptLogin accepts a login challenge as subject, authenticated with acr
// ("" sets none), and returns where Hydra sends the browser next.
func (h *Hydra) AcceptLogin(t testing.TB, challenge, subject, acr string) string {
	t.Helper()
	body := map[string]any{"subject": subject, "remember": true, "remember_for": 0}
	if acr != "" {
		body["acr"] = acr
	}
	return h.accept(t, "login", challenge, body)
}

// AcceptConsent grants every requested scope and puts email in the ID
// token, and returns where Hydra sends the browser next.
func (h *Hydra) AcceptConsent(t testing.TB, challenge, email string) string {
	t.Helper()
	return h.acceptConsent(t, challenge, map[string]any{"email": email})
}

// acceptConsent grants every requested scope and audience and puts idToken's
// claims in the ID token, and returns where Hydra sends the browser next.
func (h *Hydra) acceptConsent(t testing.TB, challenge string, idToken map[string]any) string {
	t.Helper()
	var req struct {
		RequestedScope    []string `json:"requested_scope"`
		RequestedAudience []string `json:"requested_access_token_audience"`
	}
	h.admin(t, http.MethodGet, "/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(challenge), nil, &req)
	return h.accept(t, "consent", challenge, map[string]any{
		"grant_scope": req.RequestedScope, "grant_access_token_audience": req.RequestedAudience,
		"remember": true, "remember_for": 0,
		"session": map[string]any{"id_token": idToken},
	})
}

// LoginAs is Login with the login page's decision left to the test: login
// is called with each login request and returns the subject and acr to
// accept it with. It returns the URL Hydra finally redirects to.
func (h *Hydra) LoginAs(t testing.TB, browser *http.Client, authURL, email string, login func(LoginRequest) (subject, acr string)) string {
	t.Helper()
	return h.follow(t, browser, authURL, "login", func(loc string, u *url.URL) (string, bool) {
		if challenge, ok := h.LoginPage(u); ok {
			subject, acr := login(h.LoginRequest(t, challenge))
			return h.AcceptLogin(t, challenge, subject, acr), false
		}
		if challenge, ok := h.ConsentPage(u); ok {
			return h.AcceptConsent(t, challenge, email), false
		}
		if strings.HasPrefix(loc, h.Issuer) {
			return loc, false
		}
		return loc, true
	})
}
