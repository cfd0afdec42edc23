package testidp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// relyingParty is a zitadel RP in httptest: /login starts the code flow,
// /callback exchanges the code, calls userinfo and answers loginResult.
type relyingParty struct {
	url    string
	server *httptest.Server
	party  rp.RelyingParty
}

type loginResult struct {
	IDToken  string         `json:"id_token"`
	IDClaims map[string]any `json:"id_claims"`
	Userinfo map[string]any `json:"userinfo"`
	Refresh  bool           `json:"refresh"`
	// RefreshToken and Expiry serve the refresh tests.
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
}

// newRelyingParty reserves the RP's address; start needs the IdP.
func newRelyingParty(t *testing.T) *relyingParty {
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	return &relyingParty{url: "http://" + srv.Listener.Addr().String(), server: srv}
}

func (r *relyingParty) redirectURI() string { return r.url + "/callback" }

func (r *relyingParty) start(t *testing.T, p *testidp.IDP) {
	t.Helper()
	key := []byte("0123456789abcdef0123456789abcdef")
	cookies := httphelper.NewCookieHandler(key, key, httphelper.WithUnsecure())
	party, err := rp.NewRelyingPartyOIDC(context.Background(), p.Issuer, p.ClientID, p.ClientSecret,
		r.redirectURI(), []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess},
		rp.WithPKCE(cookies))
	if err != nil {
		t.Fatalf("NewRelyingPartyOIDC: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/login", rp.AuthURLHandler(func() string { return "state-123" }, party))
	mux.Handle("/callback", rp.CodeExchangeHandler(rp.UserinfoCallback(
		func(w http.ResponseWriter, _ *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], _ string, _ rp.RelyingParty, info *oidc.UserInfo) {
			raw, _ := json.Marshal(tokens.IDTokenClaims)
			var idClaims map[string]any
			_ = json.Unmarshal(raw, &idClaims)
			raw, _ = json.Marshal(info)
			var userinfo map[string]any
			_ = json.Unmarshal(raw, &userinfo)
			_ = json.NewEncoder(w).Encode(loginResult{
				IDToken: tokens.IDToken, IDClaims: idClaims, Userinfo: userinfo, Refresh: tokens.RefreshToken != "",
				RefreshToken: tokens.RefreshToken, Expiry: tokens.Expiry,
			})
		}), party))
	r.party = party
	r.server.Config.Handler = mux
	r.server.Start()
}

func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// authorizeURL starts a login at the RP and returns the IdP URL it redirects to.
func authorizeURL(t *testing.T, c *http.Client, r *relyingParty) string {
	t.Helper()
	resp, err := c.Get(r.url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("RP /login: status %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

func setup(t *testing.T, opts ...testidp.Option) (*testidp.IDP, *relyingParty) {
	r := newRelyingParty(t)
	p := testidp.Start(t, []string{r.redirectURI()}, opts...)
	r.start(t, p)
	return p, r
}

func TestDiscovery(t *testing.T) {
	p, _ := setup(t)
	if strings.HasSuffix(p.Issuer, "/") || !strings.HasPrefix(p.Issuer, "http://127.0.0.1:") {
		t.Fatalf("issuer %q", p.Issuer)
	}
	resp, err := http.Get(p.BaseURL + testidp.DiscoveryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d oidc.DiscoveryConfiguration
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]string{
		"issuer":                 {d.Issuer, p.Issuer},
		"authorization_endpoint": {d.AuthorizationEndpoint, p.BaseURL + testidp.AuthorizePath},
		"token_endpoint":         {d.TokenEndpoint, p.BaseURL + testidp.TokenPath},
		"userinfo_endpoint":      {d.UserinfoEndpoint, p.BaseURL + testidp.UserinfoPath},
		"jwks_uri":               {d.JwksURI, p.BaseURL + testidp.KeysPath},
		"end_session_endpoint":   {d.EndSessionEndpoint, p.BaseURL + testidp.EndSessionPath},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", name, got[0], got[1])
		}
	}
	if !slices.Contains(d.CodeChallengeMethodsSupported, oidc.CodeChallengeMethodS256) {
		t.Errorf("code_challenge_methods_supported = %v", d.CodeChallengeMethodsSupported)
	}
}

func TestLoginCodeFlow(t *testing.T) {
	for _, tc := range []struct {
		user      string
		password  string
		email     string
		groups    []any
		hasGroups bool
		opts      []testidp.Option
	}{
		{"alice", testidp.AlicePassword, "alice@example.com", []any{"admins", "staff"}, true, nil},
		{"bob", testidp.BobPassword, "bob@example.com", []any{"staff"}, true, nil},
		{"carol", testidp.CarolPassword, "carol@example.org", nil, false, nil},
		{"alice", testidp.AlicePassword, "alice@example.com", []any{"admins", "staff"}, true,
			[]testidp.Option{testidp.WithIssuerTrailingSlash()}},
	} {
		name := tc.user
		if len(tc.opts) > 0 {
			name += "/issuer_with_trailing_slash"
		}
		t.Run(name, func(t *testing.T) {
			p, r := setup(t, tc.opts...)
			c := browser(t)
			callback, err := p.Login(t, c, authorizeURL(t, c, r), tc.user, tc.password)
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			cb, _ := url.Parse(callback)
			if !strings.HasPrefix(callback, r.redirectURI()+"?") || cb.Query().Get("code") == "" || cb.Query().Get("state") == "" {
				t.Fatalf("callback URL %q", callback)
			}
			if n := p.Count(testidp.TokenPath); n != 0 {
				t.Fatalf("token endpoint called %d times before the callback", n)
			}

			resp, err := c.Get(callback)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("callback: status %d", resp.StatusCode)
			}
			var res loginResult
			if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
				t.Fatal(err)
			}
			if !res.Refresh {
				t.Error("no refresh token for scope offline_access")
			}
			u := p.User(t, tc.user)
			want := map[string]any{"sub": u.ID, "email": tc.email, "preferred_username": tc.user, "email_verified": true}
			for k, v := range want {
				if res.Userinfo[k] != v {
					t.Errorf("userinfo %s = %v, want %v", k, res.Userinfo[k], v)
				}
			}
			groups, ok := res.Userinfo["groups"]
			if ok != tc.hasGroups || (ok && !slices.Equal(groups.([]any), tc.groups)) {
				t.Errorf("userinfo groups = %v (present %v), want %v", groups, ok, tc.groups)
			}
			// The example OP keeps profile and email out of the ID token when
			// it also issues an access token: the RP must call userinfo.
			if res.IDClaims["sub"] != u.ID || res.IDClaims["iss"] != p.Issuer {
				t.Errorf("id token sub/iss = %v/%v", res.IDClaims["sub"], res.IDClaims["iss"])
			}
			for _, k := range []string{"email", "preferred_username", "groups"} {
				if _, ok := res.IDClaims[k]; ok {
					t.Errorf("id token unexpectedly carries %s", k)
				}
			}
			for path, n := range map[string]int{testidp.TokenPath: 1, testidp.UserinfoPath: 1, testidp.LoginPath: 2, testidp.AuthorizePath: 1} {
				if got := p.Count(path); got != n {
					t.Errorf("Count(%s) = %d, want %d", path, got, n)
				}
			}
		})
	}
}

func TestLoginWrongPassword(t *testing.T) {
	p, r := setup(t)
	c := browser(t)
	callback, err := p.Login(t, c, authorizeURL(t, c, r), "alice", "wrong")
	if !errors.Is(err, testidp.ErrLoginRejected) || callback != "" {
		t.Fatalf("Login = %q, %v; want ErrLoginRejected", callback, err)
	}
	callback, err = p.Login(t, c, authorizeURL(t, c, r), "mallory", testidp.AlicePassword)
	if !errors.Is(err, testidp.ErrLoginRejected) || callback != "" {
		t.Fatalf("unknown user: Login = %q, %v; want ErrLoginRejected", callback, err)
	}
}

func TestLoginAuthorizationError(t *testing.T) {
	p, r := setup(t)
	c := browser(t)
	// An unregistered scope value is dropped; an unknown response type is an
	// error the provider sends back to the redirect URI.
	u, _ := url.Parse(authorizeURL(t, c, r))
	q := u.Query()
	q.Set("response_type", "bogus")
	u.RawQuery = q.Encode()
	callback, err := p.Login(t, c, u.String(), "alice", testidp.AlicePassword)
	if err == nil || !strings.HasPrefix(callback, r.redirectURI()) || !strings.Contains(callback, "error=") {
		t.Fatalf("Login = %q, %v; want an error redirect to the callback", callback, err)
	}
	if _, err := p.Login(t, c, r.url+"/login", "alice", testidp.AlicePassword); err == nil {
		t.Fatal("Login accepted an authorize URL outside the provider")
	}
}

func TestSetDown(t *testing.T) {
	p, _ := setup(t)
	get := func() int {
		resp, err := http.Get(p.BaseURL + testidp.DiscoveryPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	p.ResetCounts()
	p.SetDown(true)
	if got := get(); got != http.StatusServiceUnavailable {
		t.Fatalf("down: status %d", got)
	}
	p.SetDown(false)
	if got := get(); got != http.StatusOK {
		t.Fatalf("up again: status %d", got)
	}
	if got := p.Count(testidp.DiscoveryPath); got != 2 {
		t.Fatalf("Count = %d, want 2", got)
	}
}

func TestEndSessionPostLogoutRedirect(t *testing.T) {
	r := newRelyingParty(t)
	postLogout := r.url + "/logged-out"
	p := testidp.Start(t, []string{r.redirectURI()}, testidp.WithPostLogoutRedirectURIs(postLogout))
	r.start(t, p)
	c := browser(t)
	callback, err := p.Login(t, c, authorizeURL(t, c, r), "bob", testidp.BobPassword)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	var res loginResult
	err = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, uri, want string
	}{
		{"registered", postLogout, postLogout + "?state=s1"},
		{"unregistered", r.url + "/elsewhere", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"id_token_hint": {res.IDToken}, "post_logout_redirect_uri": {tc.uri}, "state": {"s1"}}
			resp, err := c.Get(p.BaseURL + testidp.EndSessionPath + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc := resp.Header.Get("Location")
			if tc.want != "" && (resp.StatusCode != http.StatusFound || loc != tc.want) {
				t.Fatalf("end_session: %d %q, want 302 %q", resp.StatusCode, loc, tc.want)
			}
			if tc.want == "" && strings.HasPrefix(loc, tc.uri) {
				t.Fatalf("end_session redirected to unregistered %q", loc)
			}
		})
	}
}
