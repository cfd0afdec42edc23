package demo

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestDemoLoginShowsIdentity does what the README tells a newcomer: start the
// demo, open the printed URL, log in as the printed user, see the identity.
func TestDemoLoginShowsIdentity(t *testing.T) {
	d := startDemo(t, zaptest.NewLogger(t))
	appURL, user, password, issuer := d.appURL, d.user, d.password, d.issuer

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	// Discovery may still be loading for a moment after the banner.
	var resp *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp = get(get(appURL + "/").Header.Get("Location"))
		if resp.StatusCode == http.StatusFound || time.Now().After(deadline) {
			break
		}
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("start: status %d", resp.StatusCode)
	}
	callback, err := (&testidp.IDP{Issuer: issuer}).Login(t, client, resp.Header.Get("Location"), user, password)
	if err != nil {
		t.Fatalf("log in as the printed user: %v", err)
	}
	if resp = get(callback); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: status %d", resp.StatusCode)
	}
	resp = get(appURL + resp.Header.Get("Location"))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "demo@gatehouse.test") {
		t.Fatalf("identity page: status %d body %s", resp.StatusCode, body)
	}
	if !strings.Contains(string(body), "assertion verified ✓") {
		t.Fatalf("the demo app did not verify the assertion against gatehouse's JWKS: %s", body)
	}
}
