// Package hydratest runs Ory Hydra v2.3.0, a certified OpenID provider, on
// 127.0.0.1 for tests (in-memory database, `serve all --dev`), registers
// clients through its admin API, and drives login, consent and logout
// headlessly: where Hydra would send the browser to a login, consent or
// logout page, the driver accepts the challenge through the admin API and
// follows the redirect Hydra answers with.
//
// The binary is built once by scripts/build-hydra.sh (from the separate
// module tools/hydra) and found at $GATEHOUSE_HYDRA or
// ${XDG_CACHE_HOME:-~/.cache}/gatehouse/hydra-v2.3.0. Without it tests skip,
// or fail with CI=true.
package hydratest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// Hydra is a running provider.
type Hydra struct {
	// Issuer is "http://127.0.0.1:PORT/" (with the slash Hydra reports).
	Issuer   string
	AdminURL string
	// Page URLs Hydra redirects the browser to; nothing serves them, the
	// driver intercepts them.
	loginURL, consentURL, logoutURL string

	http *http.Client
}

// Binary returns the path of the Hydra binary, skipping the test (failing
// it with CI=true) when it has not been built.
func Binary(t testing.TB) string {
	t.Helper()
	return testutil.CachedTool(t, "GATEHOUSE_HYDRA", "hydra-v2.3.0", "build it with scripts/build-hydra.sh (about 2 minutes, once)")
}

// Start runs Hydra on two free ports of 127.0.0.1 and stops it with
// t.Cleanup.
func Start(t testing.TB) *Hydra {
	t.Helper()
	bin := Binary(t)
	public, admin := testutil.FreePort(t), testutil.FreePort(t)
	h := &Hydra{
		Issuer:     fmt.Sprintf("http://127.0.0.1:%d/", public),
		AdminURL:   fmt.Sprintf("http://127.0.0.1:%d", admin),
		loginURL:   "http://login.hydratest.invalid/login",
		consentURL: "http://login.hydratest.invalid/consent",
		logoutURL:  "http://login.hydratest.invalid/logout",
		http:       &http.Client{Timeout: 10 * time.Second},
	}
	cmd := exec.Command(bin, "serve", "all", "--dev")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT="+strconv.Itoa(public),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT="+strconv.Itoa(admin),
		"URLS_SELF_ISSUER="+h.Issuer,
		"URLS_LOGIN="+h.loginURL, "URLS_CONSENT="+h.consentURL, "URLS_LOGOUT="+h.logoutURL,
		"SECRETS_SYSTEM=hydratest-system-secret-"+strconv.FormatInt(time.Now().UnixNano(), 36),
		"LOG_LEVEL=warn",
	)
	var out syncbuf.Buffer
	proc := testutil.StartProcess(t, "hydra", cmd, &out)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := h.http.Get(h.AdminURL + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if proc.Exited() {
			t.Fatalf("hydratest: hydra exited:\n%s", out.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("hydratest: hydra not ready after 20s:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return h
}

// Client is an OAuth 2.0 client registration.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// BackchannelLogoutURI receives Hydra's logout tokens (with sid).
	BackchannelLogoutURI string
}

// CreateClient registers c (code flow with refresh tokens,
// client_secret_basic).
func (h *Hydra) CreateClient(t testing.TB, c Client) {
	t.Helper()
	body := map[string]any{
		"client_id":                           c.ID,
		"client_secret":                       c.Secret,
		"grant_types":                         []string{"authorization_code", "refresh_token"},
		"response_types":                      []string{"code"},
		"scope":                               "openid offline_access profile email",
		"redirect_uris":                       c.RedirectURIs,
		"post_logout_redirect_uris":           c.PostLogoutRedirectURIs,
		"token_endpoint_auth_method":          "client_secret_basic",
		"backchannel_logout_uri":              c.BackchannelLogoutURI,
		"backchannel_logout_session_required": true,
	}
	h.admin(t, http.MethodPost, "/admin/clients", body, nil)
}

// Login takes the browser from authURL through Hydra, logging in as subject
// and granting every requested scope, and returns the URL Hydra finally
// redirects to (the client's callback). The ID token carries email.
func (h *Hydra) Login(t testing.TB, browser *http.Client, authURL, subject, email string) string {
	t.Helper()
	return h.LoginWithClaims(t, browser, authURL, subject, map[string]any{"email": email})
}

// LoginWithClaims is Login with the ID token's extra claims given whole
// (Hydra's consent session.id_token): nested objects and URL-named claims
// reach the ID token as they are.
func (h *Hydra) LoginWithClaims(t testing.TB, browser *http.Client, authURL, subject string, idToken map[string]any) string {
	t.Helper()
	return h.follow(t, browser, authURL, "login", func(loc string, u *url.URL) (string, bool) {
		switch {
		case strings.HasPrefix(loc, h.loginURL+"?"):
			return h.accept(t, "login", u.Query().Get("login_challenge"), map[string]any{
				"subject": subject, "remember": true, "remember_for": 0,
			}), false
		case strings.HasPrefix(loc, h.consentURL+"?"):
			return h.acceptConsent(t, u.Query().Get("consent_challenge"), idToken), false
		case strings.HasPrefix(loc, h.Issuer):
			return loc, false // Hydra's own hops
		}
		return loc, true
	})
}

// Logout takes the browser from a URL of Hydra's end_session endpoint
// through the logout page (accepted through the admin API) and returns where
// Hydra finally sends it. Hydra delivers its back-channel logout tokens
// before it answers that last redirect.
func (h *Hydra) Logout(t testing.TB, browser *http.Client, endSessionURL string) string {
	t.Helper()
	return h.follow(t, browser, endSessionURL, "logout", func(loc string, u *url.URL) (string, bool) {
		switch {
		case strings.HasPrefix(loc, h.logoutURL+"?"):
			return h.accept(t, "logout", u.Query().Get("logout_challenge"), nil), false
		case strings.HasPrefix(loc, h.Issuer+"oauth2/fallbacks/"):
			return loc, true // Hydra's own "logged out" page: no post-logout URI was given
		case strings.HasPrefix(loc, h.Issuer):
			return loc, false
		}
		return loc, true
	})
}

// follow requests start and then each URL step returns for the redirect it
// got, until step says the walk is done; it returns that last Location.
func (h *Hydra) follow(t testing.TB, browser *http.Client, start, what string, step func(loc string, u *url.URL) (next string, done bool)) string {
	t.Helper()
	next := start
	for range 20 {
		loc := h.redirect(t, browser, next)
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("hydratest: bad redirect %q", loc)
		}
		var done bool
		if next, done = step(loc, u); done {
			return next
		}
	}
	t.Fatalf("hydratest: %s did not finish in 20 redirects", what)
	return ""
}

// EndSessionURL is Hydra's end_session endpoint.
func (h *Hydra) EndSessionURL() string { return h.Issuer + "oauth2/sessions/logout" }

// redirect GETs target with the browser (which must not follow redirects)
// and returns the Location it is sent on to.
func (h *Hydra) redirect(t testing.TB, browser *http.Client, target string) string {
	t.Helper()
	resp, err := browser.Get(target)
	if err != nil {
		t.Fatalf("hydratest: GET %s: %v", target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		t.Fatalf("hydratest: GET %s: status %d, no redirect: %.400s", target, resp.StatusCode, body)
	}
	base, _ := url.Parse(target)
	ref, err := base.Parse(loc)
	if err != nil {
		t.Fatalf("hydratest: bad Location %q", loc)
	}
	return ref.String()
}

// accept accepts a login, consent or logout challenge and returns the URL
// Hydra says the browser goes to next.
func (h *Hydra) accept(t testing.TB, kind, challenge string, body any) string {
	t.Helper()
	if challenge == "" {
		t.Fatalf("hydratest: no %s challenge", kind)
	}
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	h.admin(t, http.MethodPut, "/admin/oauth2/auth/requests/"+kind+"/accept?"+kind+"_challenge="+url.QueryEscape(challenge), body, &out)
	if out.RedirectTo == "" {
		t.Fatalf("hydratest: %s accept gave no redirect_to", kind)
	}
	return out.RedirectTo
}

func (h *Hydra) admin(t testing.TB, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.AdminURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.http.Do(req)
	if err != nil {
		t.Fatalf("hydratest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("hydratest: %s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("hydratest: %s %s: %v", method, path, err)
		}
	}
}
