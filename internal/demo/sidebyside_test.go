package demo

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// runningDemo is one demo started by startDemo, with what its banner printed.
type runningDemo struct {
	port                           int
	appURL, user, password, issuer string
}

func startDemo(t *testing.T, logger *zap.Logger) runningDemo {
	t.Helper()
	out := &syncbuf.Buffer{}
	port := testutil.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{Port: port, Out: out, Logger: logger}) }()
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
	return runningDemo{port: port, appURL: strings.TrimSuffix(m[1], "/"), user: m[2], password: m[3], issuer: m[4]}
}

type demoBrowser struct {
	t      *testing.T
	client *http.Client
}

func newDemoBrowser(t *testing.T) *demoBrowser {
	jar, _ := cookiejar.New(nil)
	return &demoBrowser{t: t, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *demoBrowser) get(u string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(body)
}

// authorizeURL opens the app and follows gatehouse to the provider, waiting
// for discovery, which may load a moment after the banner.
func (b *demoBrowser) authorizeURL(d runningDemo) string {
	b.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		first, _ := b.get(d.appURL + "/")
		resp, _ := b.get(first.Header.Get("Location"))
		if resp.StatusCode == http.StatusFound {
			return resp.Header.Get("Location")
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("start: status %d", resp.StatusCode)
		}
	}
}

func (b *demoBrowser) login(d runningDemo) {
	b.t.Helper()
	callback, err := (&testidp.IDP{Issuer: d.issuer}).Login(b.t, b.client, b.authorizeURL(d), d.user, d.password)
	if err != nil {
		b.t.Fatalf("log in: %v", err)
	}
	if resp, _ := b.get(callback); resp.StatusCode != http.StatusFound {
		b.t.Fatalf("callback: status %d", resp.StatusCode)
	}
}

func (b *demoBrowser) loggedIn(d runningDemo) bool {
	b.t.Helper()
	resp, body := b.get(d.appURL + "/")
	return resp.StatusCode == http.StatusOK && strings.Contains(body, "demo@gatehouse.test")
}

// TestTwoDemosSideBySide: cookies ignore ports, so two demos on one machine
// share one cookie jar in a browser; each keeps its session under a cookie
// name of its own port.
func TestTwoDemosSideBySide(t *testing.T) {
	a, b := startDemo(t, zap.NewNop()), startDemo(t, zap.NewNop())
	browser := newDemoBrowser(t)
	browser.login(a)
	browser.login(b)
	if !browser.loggedIn(a) || !browser.loggedIn(b) {
		t.Fatalf("logged in at both demos, still logged in: first %v, second %v", browser.loggedIn(a), browser.loggedIn(b))
	}
	u, _ := url.Parse(a.appURL)
	var names []string
	for _, c := range browser.client.Jar.Cookies(u) {
		names = append(names, c.Name)
	}
	for _, d := range []runningDemo{a, b} {
		if !strings.Contains(strings.Join(names, " "), CookieName(d.port)) {
			t.Errorf("browser cookies %q lack %s", names, CookieName(d.port))
		}
	}
}

// TestDemoWrongPasswordIsAFailedLogin: a wrong password at the demo provider
// is logged as a failed sign-in (a warning), not as an error, and the
// password is in no log line.
func TestDemoWrongPasswordIsAFailedLogin(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	d := startDemo(t, zap.New(core))
	browser := newDemoBrowser(t)
	const wrong = "wrong-password-do-not-log"
	_, err := (&testidp.IDP{Issuer: d.issuer}).Login(t, browser.client, browser.authorizeURL(d), d.user, wrong)
	if !errors.Is(err, idp.ErrLoginRejected) {
		t.Fatalf("login with a wrong password: %v, want rejected", err)
	}
	failed := 0
	for _, e := range logs.All() {
		line := e.Message
		for k, v := range e.ContextMap() {
			line += " " + k + "=" + strings.ReplaceAll(strings.TrimSpace(toString(v)), "\n", `\n`)
		}
		if strings.Contains(line, wrong) {
			t.Errorf("a log line holds the password: %s", line)
		}
		if e.Level >= zapcore.ErrorLevel {
			t.Errorf("logged at %s: %s", e.Level, line)
		}
		if e.Message == "sign-in at the demo provider failed" && e.Level == zapcore.WarnLevel {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed sign-ins logged, want 1; logs: %v", failed, logs.All())
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return ""
}
