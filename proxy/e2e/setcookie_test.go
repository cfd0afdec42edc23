package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestUpstreamCannotSetGatehouseCookies: an upstream's Set-Cookie for one of
// gatehouse's cookie names (the session cookie, a login-attempt cookie, the
// signed-out marker) never reaches the browser, so the app, or whoever
// controls one of its responses, can neither end the session, nor plant or
// shadow one; its other cookies pass.
func TestUpstreamCannotSetGatehouseCookies(t *testing.T) {
	evil := []string{
		"gatehouse=; Max-Age=0; Path=/",
		"gatehouse=x; Path=/foo",
		"gatehouse-login-0a1b2c3d=y; Path=/",
		"gatehouse-signed-out=z; Path=/",
		"__Host-gatehouse=w; Path=/; Secure",
	}
	legit := []string{"app_session=abc; Path=/; HttpOnly", "gatehouse2=keep"}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range append(slices.Clone(evil), legit...) {
			w.Header().Add("Set-Cookie", c)
		}
		w.Header().Set("X-Seen-User", r.Header.Get("X-Forwarded-User"))
	})
	g := startGate(t, withUpstream(upstream), withConfigFile("authorization:\n  public_paths: [/public]\n"))

	check := func(t *testing.T, resp *http.Response) {
		t.Helper()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, legit) {
			t.Fatalf("Set-Cookie lines that reached the browser: %q, want only the app's %q", got, legit)
		}
	}

	t.Run("anonymous on a public path", func(t *testing.T) {
		addr := strings.TrimPrefix(g.URL, "http://")
		check(t, fwdRaw(t, "", addr, fwdRequest("GET", "/public", addr)))
	})

	t.Run("logged in", func(t *testing.T) {
		b := newBrowser(t)
		b.loginAlice(g)
		for range 2 {
			resp := b.navigate(g.URL + "/app")
			check(t, resp)
			if resp.Header.Get("X-Seen-User") != testidp.Alice.ID {
				t.Fatalf("the session did not survive the upstream's response: the upstream saw %q", resp.Header.Get("X-Seen-User"))
			}
		}
	})
}
