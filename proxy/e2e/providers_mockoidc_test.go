package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// mockOIDC is oauth2-proxy's test provider, used as it is. Its quirks are
// what real providers do: `address` is a plain string (zitadel's typed
// claims refuse it), the token response says `token_type: "bearer"` while
// its userinfo accepts only the exact scheme "Bearer", it accepts only
// client_secret_post although it advertises client_secret_basic, and it
// refuses the offline_access scope (it always issues a refresh token).
type mockOIDC struct {
	*mockoidc.MockOIDC
	mu sync.Mutex
	// requests counts requests per endpoint path; schemes are the
	// Authorization schemes userinfo saw.
	requests map[string]int
	schemes  []string
}

// startMockOIDC runs mockoidc on 127.0.0.1; its middleware hook only
// observes requests.
func startMockOIDC(t *testing.T) *mockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	o := &mockOIDC{MockOIDC: m, requests: map[string]int{}}
	if err := m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o.mu.Lock()
			o.requests[r.URL.Path]++
			if r.URL.Path == mockoidc.UserinfoEndpoint {
				scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
				o.schemes = append(o.schemes, scheme)
			}
			o.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(testutil.Listen(t), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return o
}

func (o *mockOIDC) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests[path]
}

// mockOIDCOptions point gatehouse at o the way its README would tell a user.
func mockOIDCOptions(o *mockOIDC) []option {
	return []option{
		withProvider(o.Issuer(), o.ClientID, o.ClientSecret),
		withEnv("GATEHOUSE_OIDC_TOKEN_AUTH_METHOD=client_secret_post",
			"GATEHOUSE_OIDC_SCOPES=openid profile email groups"),
	}
}

// mockOIDCLogin logs b in: mockoidc logs the default user in without a form.
func mockOIDCLogin(t *testing.T, b *browser, g *gate, o *mockOIDC) {
	t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?rd=/app")
	authURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(authURL, o.AuthorizationEndpoint()) {
		t.Fatalf("start: status %d, Location %q; want mockoidc's authorize endpoint", resp.StatusCode, authURL)
	}
	resp = b.navigate(authURL)
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(callback, g.URL+"/oauth2/callback?") {
		t.Fatalf("mockoidc: status %d, Location %q; want gatehouse's callback", resp.StatusCode, callback)
	}
	resp = b.navigate(callback)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app" {
		t.Fatalf("callback: status %d, Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), readAll(t, resp))
	}
}

// TestMockOIDCLoginAndRefresh: a login through mockoidc succeeds although
// its ID token carries `address` as a string and its token_type is
// "bearer": userinfo is asked with the "Bearer" scheme (its ID token lacks
// `name`, which the assertion carries), and the upstream gets the user's
// identity. After the access token's lifetime (injected clock) the next
// request refreshes through mockoidc and the identity is read again.
func TestMockOIDCLoginAndRefresh(t *testing.T) {
	o := startMockOIDC(t)
	clock := newClock()
	g := startGate(t, append(mockOIDCOptions(o), withClock(clock))...)
	b := newBrowser(t)
	mockOIDCLogin(t, b, g, o)

	user := mockoidc.DefaultUser()
	check := func(when string) {
		t.Helper()
		resp := b.api(g.URL + "/app")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /app: status %d", when, resp.StatusCode)
		}
		up := g.Upstream.last(t)
		for header, want := range map[string]string{
			"X-Forwarded-User":   user.Subject,
			"X-Forwarded-Email":  user.Email,
			"X-Forwarded-Groups": strings.Join(user.Groups, ","),
		} {
			if got := up.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", when, header, got, want)
			}
		}
	}
	check("after login")
	if n := o.count(mockoidc.UserinfoEndpoint); n != 1 {
		t.Fatalf("userinfo requests after login: %d, want 1", n)
	}

	tokens := o.count(mockoidc.TokenEndpoint)
	clock.Advance(o.AccessTTL)
	check("after the access token's lifetime")
	if got := o.count(mockoidc.TokenEndpoint) - tokens; got != 1 {
		t.Fatalf("token requests for the refresh: %d, want 1", got)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, s := range o.schemes {
		if s != "Bearer" {
			t.Errorf("userinfo request %d used scheme %q, want Bearer", i, s)
		}
	}
}
