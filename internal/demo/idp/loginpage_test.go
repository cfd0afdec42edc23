package idp_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
)

// startProvider serves a provider with the demo user prefilled and returns
// its URL and a browser-like client that does not follow redirects.
func startProvider(t *testing.T) (string, *http.Client) {
	t.Helper()
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	o := validOptions()
	o.Issuer = srv.URL
	o.RedirectURIs = []string{"http://127.0.0.1:4180/oauth2/callback"}
	o.LoginHint = "demo"
	p, err := idp.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h = p.Handler()
	jar, _ := cookiejar.New(nil)
	return srv.URL, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// authorize starts an authorization request and returns the login form's URL.
func authorize(t *testing.T, issuer string, c *http.Client) string {
	t.Helper()
	q := url.Values{
		"client_id": {"gatehouse"}, "redirect_uri": {"http://127.0.0.1:4180/oauth2/callback"},
		"response_type": {"code"}, "scope": {"openid"}, "state": {"s1"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	resp, err := c.Get(issuer + "/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("authorize: status %d, no redirect to the login form: %v", resp.StatusCode, err)
	}
	return loc.String()
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func hiddenID(t *testing.T, form string) string {
	t.Helper()
	_, rest, ok := strings.Cut(form, `name="id" value="`)
	id, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || id == "" {
		t.Fatalf("no hidden id in the login form:\n%s", form)
	}
	return id
}

func TestLoginFormNamesProviderAndPrefillsUser(t *testing.T) {
	issuer, c := startProvider(t)
	resp, body := get(t, c, authorize(t, issuer, c))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login form: status %d", resp.StatusCode)
	}
	for _, want := range []string{
		"<title>Demo provider – sign in</title>",
		`name="username" autocomplete="username" value="demo"`,
		`name="password" type="password" autocomplete="current-password" required autofocus>`,
		"<style>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("login form lacks %s:\n%s", want, body)
		}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestLoginFormWrongPasswordSaysSo(t *testing.T) {
	issuer, c := startProvider(t)
	_, form := get(t, c, authorize(t, issuer, c))
	id := hiddenID(t, form)

	resp, err := c.PostForm(issuer+"/login/username", url.Values{"id": {id}, "username": {"demo"}, "password": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<p class="error" role="alert">Wrong username or password.</p>`) {
		t.Fatalf("wrong password: status %d, want the form with the message:\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `value="`+id+`"`) || !strings.Contains(body, `<title>Demo provider – sign in</title>`) {
		t.Errorf("wrong password: not the same form again:\n%s", body)
	}
	if strings.Contains(body, "wrong") {
		t.Errorf("the page repeats the submitted password")
	}

	// The right password on the same form finishes the login.
	resp, err = c.PostForm(issuer+"/login/username", url.Values{"id": {id}, "username": {"demo"}, "password": {"demo"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("right password after a wrong one: status %d, want 302", resp.StatusCode)
	}
}

// TestLoginDrivesStyledForm checks that the headless Login (tests, bench)
// still reads the new form.
func TestLoginDrivesStyledForm(t *testing.T) {
	issuer, c := startProvider(t)
	q := url.Values{
		"client_id": {"gatehouse"}, "redirect_uri": {"http://127.0.0.1:4180/oauth2/callback"},
		"response_type": {"code"}, "scope": {"openid"}, "state": {"s2"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
	}
	cb, err := idp.Login(c, issuer, issuer+"/auth?"+q.Encode(), "demo", "demo")
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if !strings.HasPrefix(cb, "http://127.0.0.1:4180/oauth2/callback?") || !strings.Contains(cb, "state=s2") {
		t.Fatalf("Login ended at %q", cb)
	}
	if _, err := idp.Login(c, issuer, issuer+"/auth?"+q.Encode(), "demo", "wrong"); !errors.Is(err, idp.ErrLoginRejected) {
		t.Fatalf("Login with a wrong password: %v, want ErrLoginRejected", err)
	}
}
