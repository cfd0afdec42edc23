package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestRedirectNeverLeavesHTTPS: with an https public_url, an rd naming an
// allowed host over http would move the browser off TLS after login; it
// falls back to "/". The requests are raw, as a crafted link makes a browser
// send them; gatehouse sits behind a TLS front that this test leaves out, so
// it is reached on its plain listener with the cookies the browser would send.
func TestRedirectNeverLeavesHTTPS(t *testing.T) {
	ln := testutil.Listen(t)
	direct := "http://" + ln.Addr().String()
	g := startGate(t, withFront(ln, "https://"+ln.Addr().String()),
		withEnv("GATEHOUSE_ALLOWED_REDIRECT_HOSTS=docs.example.test"))

	cases := map[string]string{
		"http://docs.example.test/x":  "/",
		"HTTP://docs.example.test/x":  "/",
		"https://docs.example.test/x": "https://docs.example.test/x",
		"/local?q=1":                  "/local?q=1",
	}
	for rd, want := range cases {
		t.Run(rd, func(t *testing.T) {
			start := rawGetAt(t, direct, "/oauth2/start?rd="+url.QueryEscape(rd), "Accept", "text/html")
			if start.StatusCode != http.StatusFound {
				t.Fatalf("start: status %d, want 302", start.StatusCode)
			}
			var cookies []string
			for _, c := range start.Cookies() {
				cookies = append(cookies, c.Name+"="+c.Value)
			}
			jar, _ := cookiejar.New(nil)
			idpClient := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			callback, err := g.IDP.Login(t, idpClient, start.Header.Get("Location"), testidp.Alice.Username, testidp.Alice.Password)
			if err != nil {
				t.Fatalf("provider login: %v", err)
			}
			cb, err := url.Parse(callback)
			if err != nil {
				t.Fatal(err)
			}
			resp := rawGetAt(t, direct, cb.RequestURI(), "Accept", "text/html", "Cookie", strings.Join(cookies, "; "))
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("callback: status %d, want 302", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != want {
				t.Errorf("after login: Location %q, want %q", got, want)
			}
		})
	}
}
