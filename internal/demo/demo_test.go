package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestDemoLoginShowsIdentity does what the README tells a newcomer: start the
// demo, open the printed URL, log in as the printed user, see the identity.
func TestDemoLoginShowsIdentity(t *testing.T) {
	out := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	port := testutil.FreePort(t)
	go func() { done <- Run(ctx, Options{Port: port, Out: out, Logger: zaptest.NewLogger(t)}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	})

	banner := regexp.MustCompile(`Open\s+(\S+)\n\s+Log in as\s+(\S+)\n\s+Password\s+(\S+)\n(?s:.*)identity provider\s+(\S+)`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; {
		if m = banner.FindStringSubmatch(out.String()); m == nil {
			if time.Now().After(deadline) {
				t.Fatalf("demo printed no banner: %q", out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	appURL, user, password, issuer := strings.TrimSuffix(m[1], "/"), m[2], m[3], m[4]

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
