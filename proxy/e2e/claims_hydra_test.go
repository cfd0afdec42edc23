package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/hydratest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// claimsConfig maps what Keycloak (realm_access.roles, nested) and Auth0 (a
// URL-named claim) put in the ID token to headers, groups and policy, and
// sends the user to the app as HTTP Basic.
const claimsConfig = `
identity:
  headers:
    X-Forwarded-User: sub
    X-Forwarded-Groups: groups
    X-Roles: realm_access.roles
    X-Auth0-Roles: '["https://example.com/roles"]'
  groups_claims: [groups, realm_access.roles]
  static_headers:
    X-App-Tenant: blue
upstream:
  basic_auth:
    enabled: true
    user_claim: preferred_username
    password_file: %PASSWORD_FILE%
authorization:
  public_paths: [/public]
  rules:
    - path: /admin
      allowed_groups: [admin]
    - path: /auth0
      required_claims: {'["https://example.com/roles"]': editor}
`

// claimsAppPassword is the Basic password gatehouse reads from its file and
// the app expects.
const claimsAppPassword = "app-basic-password-for-tests"

// hydraUsers are the ID token claims Hydra's consent puts in for each user.
var hydraUsers = map[string]map[string]any{
	"alice": {
		"email": "alice@example.com", "preferred_username": "alice", "groups": []string{"staff"},
		"realm_access":              map[string]any{"roles": []string{"admin", "user"}},
		"https://example.com/roles": []string{"editor"},
	},
	"bob": {
		"email": "bob@example.com", "preferred_username": "bob",
		"realm_access":              map[string]any{"roles": []string{"user"}},
		"https://example.com/roles": []string{"viewer"},
	},
	// mallory holds the admin role, but her user name cannot be a Basic
	// user-id: it would read as user "ad" with a password part.
	"mallory": {
		"email": "mallory@example.com", "preferred_username": "ad:min",
		"realm_access": map[string]any{"roles": []string{"admin"}},
	},
}

// phpClaimsApp is what testdata/claimsapp answers.
type phpClaimsApp struct {
	Path            string   `json:"path"`
	AuthUser        *string  `json:"auth_user"`
	AuthPasswordOK  bool     `json:"auth_password_ok"`
	AuthSeen        bool     `json:"authorization_seen"`
	Roles           *string  `json:"roles"`
	Auth0Roles      *string  `json:"auth0_roles"`
	GroupsHeader    *string  `json:"groups_header"`
	Tenant          *string  `json:"tenant"`
	AssertionSub    *string  `json:"assertion_sub"`
	AssertionGroups []string `json:"assertion_groups"`
	AssertionError  *string  `json:"assertion_error"`
}

func str(p *string) string {
	if p == nil {
		return "<none>"
	}
	return *p
}

// startClaimsPHP runs Hydra, then testdata/claimsapp under the real `php -S`
// (verifying the assertion against gatehouse's JWKS), then gatehouse in
// front of it configured with claimsConfig, forward-auth on and 127.0.0.1
// trusted (for the forward-auth check).
func startClaimsPHP(t *testing.T) (*gate, *hydratest.Hydra) {
	t.Helper()
	h := hydratest.Start(t)
	ln := testutil.Listen(t)
	base := "http://" + ln.Addr().String()
	const clientID, secret = "gatehouse-claims", "hydra-claims-client-secret"
	h.CreateClient(t, hydratest.Client{ID: clientID, Secret: secret, RedirectURIs: []string{base + "/oauth2/callback"}})

	_, file, _, _ := runtime.Caller(0)
	docroot := filepath.Join(filepath.Dir(file), "testdata", "claimsapp")
	app := servePHP(t, docroot, filepath.Join(docroot, "index.php"),
		"GATEHOUSE_ISSUER="+base, "GATEHOUSE_JWKS_URL="+base+"/oauth2/jwks.json",
		"GATEHOUSE_JWKS_CACHE="+filepath.Join(t.TempDir(), "jwks.json"), "APP_BASIC_PASSWORD="+claimsAppPassword)

	pw := filepath.Join(t.TempDir(), "basic-password")
	if err := os.WriteFile(pw, []byte(claimsAppPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startGate(t, withListener(ln), withProvider(h.Issuer, clientID, secret),
		withConfigFile(strings.ReplaceAll(claimsConfig, "%PASSWORD_FILE%", pw)),
		withEnv("GATEHOUSE_UPSTREAM_URL="+app.URL, "GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))
	return g, h
}

// hydraClaimsLogin logs a new browser in to g through Hydra as subject,
// with hydraUsers' claims in the ID token.
func hydraClaimsLogin(t *testing.T, g *gate, h *hydratest.Hydra, subject string) *browser {
	t.Helper()
	b := newBrowser(t)
	resp := b.navigate(g.URL + "/oauth2/start?rd=" + url.QueryEscape("/app"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.Issuer) {
		t.Fatalf("start: status %d, want 302 to Hydra", resp.StatusCode)
	}
	callback := h.LoginWithClaims(t, b.Client, resp.Header.Get("Location"), subject, hydraUsers[subject])
	if !strings.HasPrefix(callback, g.URL+"/oauth2/callback?") {
		t.Fatalf("Hydra sent the browser to %q, not to the callback", callback)
	}
	if resp = b.navigate(callback); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app" {
		t.Fatalf("callback: status %d, Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), readAll(t, resp))
	}
	return b
}

// decodeClaimsApp reads the PHP app's answer; ok is false when the answer
// is not the app's (gatehouse refused the request).
func decodeClaimsApp(t *testing.T, resp *http.Response) (app phpClaimsApp, ok bool) {
	t.Helper()
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"auth_user"`) {
		return app, false
	}
	if err := json.Unmarshal([]byte(body), &app); err != nil {
		t.Fatalf("the app's answer is not JSON: %v", err)
	}
	return app, true
}

// TestClaimsMappingWithHydraAndPHP: Ory Hydra puts a nested claim
// (realm_access.roles, as Keycloak does) and a URL-named claim
// (https://example.com/roles, as Auth0 does) into the ID token; a real PHP
// app behind gatehouse reads the user from PHP_AUTH_USER (upstream.basic_auth),
// the roles from headers, a static header, and the groups from the verified
// assertion; rules on the nested and the URL-named claim decide /admin and
// /auth0.
func TestClaimsMappingWithHydraAndPHP(t *testing.T) {
	g, h := startClaimsPHP(t)
	alice := hydraClaimsLogin(t, g, h, "alice")
	bob := hydraClaimsLogin(t, g, h, "bob")

	t.Run("claims reach the app", func(t *testing.T) {
		app, ok := decodeClaimsApp(t, alice.api(g.URL+"/app"))
		if !ok {
			t.Fatal("alice's request did not reach the app")
		}
		if str(app.AuthUser) != "alice" || !app.AuthPasswordOK {
			t.Errorf("PHP_AUTH_USER = %s (password ok %v), want alice", str(app.AuthUser), app.AuthPasswordOK)
		}
		if str(app.Roles) != "admin,user" || str(app.Auth0Roles) != "editor" {
			t.Errorf("X-Roles = %s, X-Auth0-Roles = %s; want admin,user and editor", str(app.Roles), str(app.Auth0Roles))
		}
		if str(app.GroupsHeader) != "staff,admin,user" {
			t.Errorf("X-Forwarded-Groups = %s, want staff,admin,user (groups_claims merged)", str(app.GroupsHeader))
		}
		if str(app.Tenant) != "blue" {
			t.Errorf("X-App-Tenant = %s, want the static blue", str(app.Tenant))
		}
		if app.AssertionError != nil || str(app.AssertionSub) != "alice" ||
			!slices.Equal(app.AssertionGroups, []string{"staff", "admin", "user"}) {
			t.Errorf("assertion: sub %s, groups %q, error %s", str(app.AssertionSub), app.AssertionGroups, str(app.AssertionError))
		}
	})

	t.Run("a rule on the nested claim", func(t *testing.T) {
		if _, ok := decodeClaimsApp(t, alice.api(g.URL+"/admin/users")); !ok {
			t.Error("alice (realm role admin) was refused /admin")
		}
		if resp := bob.api(g.URL + "/admin/users"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("bob (realm role user) on /admin: status %d, want 403", resp.StatusCode)
		}
		if app, ok := decodeClaimsApp(t, bob.api(g.URL+"/app")); !ok || str(app.AuthUser) != "bob" || str(app.Roles) != "user" {
			t.Errorf("bob on /app: reached %v, user %s, roles %s", ok, str(app.AuthUser), str(app.Roles))
		}
	})

	t.Run("a rule on the URL-named claim", func(t *testing.T) {
		if _, ok := decodeClaimsApp(t, alice.api(g.URL+"/auth0")); !ok {
			t.Error("alice (editor) was refused /auth0")
		}
		if resp := bob.api(g.URL + "/auth0"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("bob (viewer) on /auth0: status %d, want 403", resp.StatusCode)
		}
	})

	t.Run("client Authorization and static header copies never reach the app", func(t *testing.T) {
		forged := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+claimsAppPassword))
		// PHP reads X_App_Tenant as HTTP_X_APP_TENANT too.
		spoof := []string{
			"Authorization", forged, "X-App-Tenant", "red", "x-app-tenant", "green", "X_App_Tenant", "violet",
			"X-Roles", "admin", "Accept", "application/json",
		}
		app, ok := decodeClaimsApp(t, rawGet(t, g, "/app", append(spoof, "Cookie", "gatehouse="+bob.sessionCookie(g))...))
		if !ok {
			t.Fatal("bob's raw request did not reach the app")
		}
		if str(app.AuthUser) != "bob" || str(app.Tenant) != "blue" || str(app.Roles) != "user" {
			t.Errorf("the app saw user %s, tenant %s, roles %s; want bob, blue, user", str(app.AuthUser), str(app.Tenant), str(app.Roles))
		}
		// Anonymous on a public path: no identity, and none of the client's.
		app, ok = decodeClaimsApp(t, rawGet(t, g, "/public/x", spoof...))
		if !ok {
			t.Fatal("the public request did not reach the app")
		}
		if app.AuthSeen || app.AuthUser != nil || app.Tenant != nil || app.Roles != nil {
			t.Errorf("anonymous public request: the app saw Authorization %v (user %s), tenant %s, roles %s",
				app.AuthSeen, str(app.AuthUser), str(app.Tenant), str(app.Roles))
		}
	})

	t.Run("a user claim that cannot be a Basic user is refused", func(t *testing.T) {
		mallory := hydraClaimsLogin(t, g, h, "mallory")
		for _, path := range []string{"/app", "/admin"} {
			if resp := mallory.api(g.URL + path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("mallory (user ad:min) on %s: status %d, want 403", path, resp.StatusCode)
			}
		}
		app, ok := decodeClaimsApp(t, mallory.api(g.URL+"/public/x"))
		if !ok || app.AuthSeen || app.AuthUser != nil {
			t.Errorf("mallory on a public path: reached %v, the app saw user %s", ok, str(app.AuthUser))
		}
	})

	t.Run("forward-auth 202 carries the Basic credentials", func(t *testing.T) {
		resp := rawGet(t, g, "/oauth2/auth", "X-Original-URI", "/admin", "Cookie", "gatehouse="+alice.sessionCookie(g),
			"Authorization", "Basic Zm9yZ2VkOng=")
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+claimsAppPassword))
		if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Authorization") != want {
			t.Errorf("202: status %d, Authorization is gatehouse's %v", resp.StatusCode, resp.Header.Get("Authorization") == want)
		}
		if v := resp.Header.Get("X-Roles"); v != "admin,user" || resp.Header.Get("X-App-Tenant") != "blue" {
			t.Errorf("202: X-Roles %q, X-App-Tenant %q", v, resp.Header.Get("X-App-Tenant"))
		}
		resp = rawGet(t, g, "/oauth2/auth", "X-Original-URI", "/admin", "Cookie", "gatehouse="+bob.sessionCookie(g))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("bob: forward-auth status %d, want 403", resp.StatusCode)
		}
		// Public and anonymous: Authorization is in the 202, empty, so that
		// a proxy copying it replaces the client's.
		resp = rawGet(t, g, "/oauth2/auth", "X-Original-URI", "/public/x", "Authorization", "Basic Zm9yZ2VkOng=")
		if v, ok := resp.Header["Authorization"]; resp.StatusCode != http.StatusAccepted || !ok || len(v) != 1 || v[0] != "" {
			t.Errorf("public: status %d, Authorization %q, want one empty value", resp.StatusCode, v)
		}
	})
}
