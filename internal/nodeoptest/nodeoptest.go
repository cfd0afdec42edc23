// Package nodeoptest runs the certified npm oidc-provider (9.13.3, on the
// machine's Node.js) on 127.0.0.1 for tests, and drives its development
// login, consent and logout forms headlessly with a cookie-jar client.
//
// The provider lives in tools/oidc-provider (op.mjs, package.json and
// package-lock.json); scripts/test.sh runs `npm ci` there. Without node or
// node_modules tests skip, or fail with CI=true.
package nodeoptest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// Client is one client registration (oidc-provider's client metadata).
type Client struct {
	ID                     string   `json:"client_id"`
	Secret                 string   `json:"client_secret,omitempty"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri,omitempty"`
	// AuthMethod is the token_endpoint_auth_method (default
	// client_secret_basic); private_key_jwt needs JWKS.
	AuthMethod string         `json:"token_endpoint_auth_method,omitempty"`
	JWKS       map[string]any `json:"jwks,omitempty"`
	GrantTypes []string       `json:"grant_types"`
	Scope      string         `json:"scope"`
}

// Options configure the provider.
type Options struct {
	Clients []Client
	// Accounts are each user's claims besides sub, by user name; a user not
	// listed has only an email.
	Accounts map[string]map[string]any
	// AccessTokenTTL is the lifetime of access and ID tokens (default 1h).
	AccessTokenTTL time.Duration
}

// OP is a running provider.
type OP struct {
	// Issuer is "http://127.0.0.1:PORT" (no trailing slash, as it reports).
	Issuer string
}

// dir is tools/oidc-provider, found from this file's place in the module.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tools", "oidc-provider")
}

func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Start runs the provider and stops it with t.Cleanup.
func Start(t testing.TB, opts Options) *OP {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "nodeoptest: node not found (Debian: apt-get install nodejs npm)")
	}
	d := dir()
	if _, err := os.Stat(filepath.Join(d, "node_modules", "oidc-provider")); err != nil {
		unavailable(t, "nodeoptest: oidc-provider not installed: run `npm ci` in "+d)
	}
	for i := range opts.Clients {
		c := &opts.Clients[i]
		if c.GrantTypes == nil {
			c.GrantTypes = []string{"authorization_code", "refresh_token"}
		}
		if c.Scope == "" {
			c.Scope = "openid offline_access email profile groups"
		}
	}
	if opts.Accounts == nil {
		opts.Accounts = map[string]map[string]any{}
	}
	ttl := opts.AccessTokenTTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	port := testutil.FreePort(t)
	op := &OP{Issuer: fmt.Sprintf("http://127.0.0.1:%d", port)}
	cfg, err := json.Marshal(map[string]any{
		"issuer": op.Issuer, "port": port, "clients": opts.Clients, "accounts": opts.Accounts,
		"accessTokenTTL": int(ttl / time.Second), "cookieKey": fmt.Sprintf("nodeoptest-%d", time.Now().UnixNano()),
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "op.mjs")
	cmd.Dir = d
	cmd.Env = append(os.Environ(), "OP_CONFIG="+string(cfg), "NODE_ENV=test")
	var out syncbuf.Buffer
	cmd.Stderr = &out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	proc := testutil.StartProcess(t, "oidc-provider", cmd, &out)
	ready := make(chan struct{})
	go func() {
		s := bufio.NewScanner(stdout)
		signalled := false
		for s.Scan() {
			if s.Text() == "ready" && !signalled {
				close(ready)
				signalled = true
			}
			_, _ = out.Write(append(s.Bytes(), '\n'))
		}
	}()
	select {
	case <-ready:
	case <-proc.Done():
		t.Fatalf("nodeoptest: oidc-provider exited:\n%s", out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("nodeoptest: oidc-provider not ready after 30s:\n%s", out.String())
	}
	return op
}

// SetAccount replaces the claims of the account id at the provider (op.mjs
// serves a test-only PUT for it): what its next userinfo answers.
func (op *OP) SetAccount(t testing.TB, id string, claims map[string]any) {
	t.Helper()
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPut, op.Issuer+"/test/accounts/"+url.PathEscape(id), strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("nodeoptest: set account %s: %v", id, err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("nodeoptest: set account %s: status %d", id, resp.StatusCode)
	}
}

// EndSessionURL is the RP-initiated logout endpoint.
func (op *OP) EndSessionURL() string { return op.Issuer + "/session/end" }

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)
	hiddenXSRF = regexp.MustCompile(`name="xsrf" value="([^"]+)"`)
)

// Login takes the browser from authURL through the provider's login and
// consent forms as user (any password) and returns the URL the provider
// finally redirects to outside itself (the client's callback).
func (op *OP) Login(t testing.TB, browser *http.Client, authURL, user string) string {
	t.Helper()
	next := authURL
	for range 12 {
		resp, body := op.get(t, browser, next)
		switch {
		case resp.status/100 == 3:
			loc := op.resolve(t, resp)
			if !strings.HasPrefix(loc, op.Issuer+"/") {
				return loc
			}
			next = loc
		case resp.status == http.StatusOK:
			action := op.action(t, body)
			form := url.Values{"prompt": {"consent"}}
			if strings.Contains(body, `name="prompt" value="login"`) {
				form = url.Values{"prompt": {"login"}, "login": {user}, "password": {"any"}}
			}
			resp, _ = op.post(t, browser, action, form)
			if resp.status/100 != 3 {
				t.Fatalf("nodeoptest: form %s answered %d", action, resp.status)
			}
			next = op.resolve(t, resp)
		default:
			t.Fatalf("nodeoptest: GET %s: status %d: %s", next, resp.status, body)
		}
	}
	t.Fatal("nodeoptest: login did not finish in 12 steps")
	return ""
}

// Logout confirms the provider's logout page at endSessionURL (RP-initiated
// logout) and returns where the provider sends the browser afterwards (the
// post-logout redirect URI), or "" when it shows its own "Sign-out Success"
// page (no client named). The provider sends its back-channel logout tokens
// before it answers.
func (op *OP) Logout(t testing.TB, browser *http.Client, endSessionURL string) string {
	t.Helper()
	resp, body := op.get(t, browser, endSessionURL)
	if resp.status != http.StatusOK {
		t.Fatalf("nodeoptest: end_session answered %d: %s", resp.status, body)
	}
	xsrf := hiddenXSRF.FindStringSubmatch(body)
	if xsrf == nil {
		t.Fatalf("nodeoptest: no xsrf in the logout page: %s", body)
	}
	resp, body = op.post(t, browser, op.action(t, body), url.Values{"xsrf": {xsrf[1]}, "logout": {"yes"}})
	for range 4 {
		if resp.status == http.StatusOK && strings.Contains(body, "Sign-out Success") {
			return ""
		}
		if resp.status/100 != 3 {
			t.Fatalf("nodeoptest: logout answered %d: %s", resp.status, body)
		}
		loc := op.resolve(t, resp)
		if !strings.HasPrefix(loc, op.Issuer+"/") {
			return loc
		}
		resp, body = op.get(t, browser, loc)
	}
	t.Fatal("nodeoptest: logout did not leave the provider")
	return ""
}

func (op *OP) action(t testing.TB, body string) string {
	t.Helper()
	m := formAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("nodeoptest: no form in page: %s", body)
	}
	u, err := url.Parse(op.Issuer + "/")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	return u.ResolveReference(ref).String()
}

// page is one response of the provider, its body read.
type page struct {
	status   int
	location string // resolved against the request URL; "" without one
}

func (op *OP) resolve(t testing.TB, p page) string {
	t.Helper()
	if p.location == "" {
		t.Fatal("nodeoptest: redirect without Location")
	}
	return p.location
}

func (op *OP) get(t testing.TB, browser *http.Client, target string) (page, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return op.do(t, browser, req)
}

func (op *OP) post(t testing.TB, browser *http.Client, target string, form url.Values) (page, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	return op.do(t, browser, req)
}

func (op *OP) do(t testing.TB, browser *http.Client, req *http.Request) (page, string) {
	t.Helper()
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatalf("nodeoptest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p := page{status: resp.StatusCode}
	if loc, err := resp.Location(); err == nil {
		p.location = loc.String()
	}
	return p, string(body)
}
