package e2e

import (
	"bufio"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// withLogs copies every log line of the gates to w, one JSON object a line.
func withLogs(w io.Writer) option { return func(o *options) { o.logs = w } }

// alsoLogTo tees logger into w (nil: logger alone).
func alsoLogTo(logger *zap.Logger, w io.Writer) *zap.Logger {
	if w == nil {
		return logger
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(w), zapcore.DebugLevel)
	return zap.New(zapcore.NewTee(logger.Core(), core))
}

// rewriteFile replaces the file at path in one step (a new file renamed over
// it), as deployment tools and Kubernetes volumes do: the watcher never reads
// half of it.
func rewriteFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// reloadTraffic sends requests over one kept-alive connection, as raw
// request lines, until stopped: the session's page and the JWKS in turn. It
// counts every answer that is not a 200 from the right source.
type reloadTraffic struct {
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	sent     int
	failures []string
}

func startReloadTraffic(t *testing.T, g *gate, sessionCookie string) *reloadTraffic {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	tr := &reloadTraffic{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(tr.done)
		var conn net.Conn
		var br *bufio.Reader
		defer func() {
			if conn != nil {
				_ = conn.Close()
			}
		}()
		for i := 0; ; i++ {
			select {
			case <-tr.stop:
				return
			default:
			}
			if conn == nil {
				var err error
				if conn, err = net.Dial("tcp", host); err != nil {
					tr.fail("dial: %v", err)
					return
				}
				br = bufio.NewReader(conn)
			}
			path, want := "/", "ok "
			if i%2 == 1 {
				path, want = "/oauth2/jwks.json", `{"keys":`
			}
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nCookie: gatehouse=%s\r\n\r\n", path, host, sessionCookie)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				tr.fail("GET %s: %v", path, err)
				_ = conn.Close()
				conn = nil // a closed connection is a failure, but keep measuring
				continue
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			tr.mu.Lock()
			tr.sent++
			tr.mu.Unlock()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), want) {
				tr.fail("GET %s: status %d, body %.80q", path, resp.StatusCode, body)
			}
		}
	}()
	return tr
}

func (tr *reloadTraffic) fail(format string, args ...any) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.failures = append(tr.failures, fmt.Sprintf(format, args...))
}

// count reports how many requests were answered so far.
func (tr *reloadTraffic) count() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.sent
}

// end stops the traffic and returns how many requests were answered and the
// failures.
func (tr *reloadTraffic) end() (int, []string) {
	close(tr.stop)
	<-tr.done
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.sent, tr.failures
}

// reloadGet is one API request with the session cookie: status and body.
func reloadGet(t *testing.T, g *gate, path, sessionCookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	if sessionCookie != "" {
		req.Header.Set("Cookie", "gatehouse="+sessionCookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// publishedKids lists the kids of gatehouse's JWKS.
func publishedKids(t *testing.T, g *gate) []string {
	t.Helper()
	status, body := reloadGet(t, g, "/oauth2/jwks.json", "")
	if status != http.StatusOK {
		t.Fatalf("jwks.json: status %d", status)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

// kidOf is a key's kid as gatehouse publishes it (RFC 7638 thumbprint).
func kidOf(t *testing.T, k keys.Key) string {
	t.Helper()
	tp, err := (&jose.JSONWebKey{Key: k.Signer.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// jwsKid reads the kid from a compact JWS's protected header.
func jwsKid(t *testing.T, token string) string {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatalf("assertion header: %v", err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("assertion header: %v", err)
	}
	return h.Kid
}

// assertionOf is the assertion the upstream got for a request of
// sessionCookie (the test upstream echoes it after "ok ").
func assertionOf(t *testing.T, g *gate, sessionCookie string) string {
	t.Helper()
	status, body := reloadGet(t, g, "/page", sessionCookie)
	if status != http.StatusOK || !strings.HasPrefix(body, "ok ") {
		t.Fatalf("GET /page: status %d, body %.80q", status, body)
	}
	return strings.TrimPrefix(body, "ok ")
}

// reloadsCounted is gatehouse_config_reloads_total{result}.
func reloadsCounted(t *testing.T, g *gate, result string) float64 {
	t.Helper()
	return scrape(t, g)[`gatehouse_config_reloads_total{result="`+result+`"}`]
}

// visibleWithin fails the test unless cond holds within a second of the
// change that should make it true (the bound; the watcher polls
// every 100ms here).
func visibleWithin(t *testing.T, what string, changed time.Time, cond func() bool) {
	t.Helper()
	if !testutil.Poll(time.Second-time.Since(changed), cond) {
		t.Fatalf("%s: not visible within 1s of the change", what)
	}
	t.Logf("%s: visible after %v", what, time.Since(changed).Round(time.Millisecond))
}

// TestReloadWhileServing changes the config file and the files it names
// while a session's requests flow without pause: a rule is added, the
// assertion signing key rotated (keys_file), a cookie secret prepended
// (secrets_file), and then the file is broken. No request fails, each change
// is visible within a second, and the broken file changes nothing.
func TestReloadWhileServing(t *testing.T) {
	bothStores(t, testReloadWhileServing)
}

func testReloadWhileServing(t *testing.T, store string) {
	dir := t.TempDir()
	ks, _ := newKeys(t, keys.ES256, keys.ES256)
	pemOf := func(k keys.Key) string {
		b, err := k.PEM()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	oldKey, newKey := ks[1], ks[0]
	keysFile, secretsFile := filepath.Join(dir, "assertion-keys.pem"), filepath.Join(dir, "cookie-secrets")
	rewriteFile(t, keysFile, pemOf(oldKey))
	oldSecret, newSecret := randomSecret(), randomSecret()
	rewriteFile(t, secretsFile, oldSecret+"\n")
	base := fmt.Sprintf("reload: {watch_interval: 100ms}\nidentity: {assertion: {keys_file: %q}}\ncookie: {secrets_file: %q}\n", keysFile, secretsFile)
	const rule = "authorization: {rules: [{path: /reports, allowed_groups: [auditors]}]}\n"

	logs := &syncbuf.Buffer{}
	g := startGate(t, withStore(store), withConfigFile(base), withLogs(logs),
		withEnv("GATEHOUSE_COOKIE_SECRETS="), // the harness's secret: the file holds them here
		withUpstream(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "ok "+r.Header.Get("X-Gatehouse-Assertion"))
		})))
	b := newBrowser(t)
	b.loginAlice(g)
	session := b.sessionCookie(g)
	if status, _ := reloadGet(t, g, "/reports", session); status != http.StatusOK {
		t.Fatalf("/reports before any rule: status %d", status)
	}
	oldAssertion := assertionOf(t, g, session)
	if jwsKid(t, oldAssertion) != kidOf(t, oldKey) {
		t.Fatal("the assertion is not signed with the configured key")
	}

	traffic := startReloadTraffic(t, g, session)
	testutil.Eventually(t, "traffic flowing", 5*time.Second, func() bool { return traffic.count() > 10 })

	// 1. A rule is added to the config file.
	changed := time.Now()
	rewriteFile(t, g.ConfigPath, base+rule)
	visibleWithin(t, "the new rule", changed, func() bool {
		status, _ := reloadGet(t, g, "/reports", session)
		return status == http.StatusForbidden
	})

	// 2. The signing key is rotated: the new key first, the old one still
	// listed so that assertions it signed still verify.
	changed = time.Now()
	rewriteFile(t, keysFile, pemOf(newKey)+pemOf(oldKey))
	visibleWithin(t, "the new signing key", changed, func() bool {
		kids := publishedKids(t, g)
		return len(kids) == 2 && kids[0] == kidOf(t, newKey) && kids[1] == kidOf(t, oldKey)
	})
	newAssertion := assertionOf(t, g, session)
	if jwsKid(t, newAssertion) != kidOf(t, newKey) {
		t.Errorf("after the rotation the assertion's kid is %q, want the new key's", jwsKid(t, newAssertion))
	}
	v := upstreamVerifier(t, g)
	for name, token := range map[string]string{"new": newAssertion, "from before the rotation": oldAssertion} {
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Errorf("the %s assertion does not verify against the published keys: %v", name, err)
		}
	}

	// 3. A cookie secret is prepended: the session cookie made with the old
	// secret still works (the traffic uses it throughout), and new cookies
	// are made with the new one.
	changed = time.Now()
	rewriteFile(t, secretsFile, newSecret+"\n"+oldSecret+"\n")
	visibleWithin(t, "the new cookie secret", changed, func() bool { return reloadsCounted(t, g, "success") == 3 })
	b2 := newBrowser(t)
	b2.loginAlice(g)
	fresh := b2.sessionCookie(g)
	decodesWith := func(secret string) bool {
		raw, _ := base64.StdEncoding.DecodeString(secret)
		codec, err := cookie.NewCodec([][]byte{raw}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return codec.Decode("gatehouse", fresh, &cookie.SessionRef{}) == nil
	}
	if !decodesWith(newSecret) || decodesWith(oldSecret) {
		t.Errorf("a cookie made after the rotation: opens with the new secret %v, with the old %v; want only the new",
			decodesWith(newSecret), decodesWith(oldSecret))
	}
	if status, _ := reloadGet(t, g, "/page", session); status != http.StatusOK {
		t.Errorf("the session from before the rotation: status %d", status)
	}

	// 4. A broken file: a bad value, and the rule removed. Nothing changes.
	changed = time.Now()
	rewriteFile(t, g.ConfigPath, base+"session: {idle_timeout: soon}\nlog: {level: loud}\n")
	visibleWithin(t, "the refused reload", changed, func() bool { return reloadsCounted(t, g, "error") == 1 })
	if status, _ := reloadGet(t, g, "/reports", session); status != http.StatusForbidden {
		t.Errorf("after the broken file /reports is %d: the rule of the running config is gone", status)
	}
	if kids := publishedKids(t, g); len(kids) != 2 || kids[0] != kidOf(t, newKey) {
		t.Errorf("after the broken file the JWKS changed: %v", kids)
	}
	if n := reloadsCounted(t, g, "success"); n != 3 {
		t.Errorf("%v successful reloads, want 3", n)
	}
	for _, key := range []string{`"key":"session.idle_timeout"`, `"key":"log.level"`} {
		if !strings.Contains(logs.String(), key) {
			t.Errorf("the refused reload's log does not name %s", key)
		}
	}

	sent, failures := traffic.end()
	if len(failures) > 0 {
		t.Errorf("%d of %d requests failed during the reloads, first: %s", len(failures), sent, failures[0])
	}
	t.Logf("%d requests during 4 config changes", sent)
	for _, secret := range []string{oldSecret, newSecret, session, fresh} {
		if strings.Contains(logs.String(), secret) {
			t.Error("a cookie secret or cookie value is in the log")
		}
	}
}

// reloadConfig rewrites the gate's config file and waits until the watcher
// has applied it: the n-th successful reload.
func reloadConfig(t *testing.T, g *gate, yaml string, n int) {
	t.Helper()
	rewriteFile(t, g.ConfigPath, yaml)
	testutil.Eventually(t, fmt.Sprintf("successful reload %d", n), 5*time.Second, func() bool {
		return reloadsCounted(t, g, "success") == float64(n)
	})
}

// TestReloadKeepsOpenWebSockets: upgraded connections opened before a
// reload stay open across it, a logout handled after it still closes them
// at once, and a rule added by a reload closes the connections it now denies
// at their next session check.
func TestReloadKeepsOpenWebSockets(t *testing.T) {
	ws := newWSEcho()
	ticks := newManualTicks()
	const base = "reload: {watch_interval: 100ms}\n"
	g := startGate(t, withUpstream(ws), withProxyOptions(proxyTicker(ticks)), withConfigFile(base))
	b := newBrowser(t)
	b.loginAlice(g)
	c := wsOpen(t, g, "/ws", b.sessionCookie(g), "Origin: "+g.URL)
	c.echo(t, "before the reload")

	reloadConfig(t, g, base+"authorization: {rules: [{path: /reports, allowed_groups: [auditors]}]}\n", 1)
	c.echo(t, "after the reload")
	ticks.tick(t) // a session check under the new config keeps it
	c.echo(t, "after a session check")
	if resp := b.navigate(g.URL + "/oauth2/logout"); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusFound {
		t.Fatalf("logout: status %d", resp.StatusCode)
	}
	if !c.closedWithin(t, 5*time.Second) {
		t.Fatal("a logout after the reload left the WebSocket opened before it open")
	}

	b2 := newBrowser(t)
	b2.loginAlice(g)
	c2 := wsOpen(t, g, "/ws", b2.sessionCookie(g), "Origin: "+g.URL)
	c2.echo(t, "before the rule")
	reloadConfig(t, g, base+"authorization: {rules: [{path: /ws, allowed_groups: [auditors]}]}\n", 2)
	if !c2.closedAfterTicks(t, ticks) {
		t.Fatal("a rule that denies /ws left the WebSocket open after its session checks")
	}
}

// TestReloadKeepsLoginRateLimits: a reload does not give a client that used
// up its login burst a fresh one.
func TestReloadKeepsLoginRateLimits(t *testing.T) {
	const base = "reload: {watch_interval: 100ms}\n"
	g := startGate(t, withConfigFile(base), withEnv("GATEHOUSE_SERVER_LOGIN_RATE_LIMIT=1", "GATEHOUSE_SERVER_LOGIN_RATE_BURST=10"))
	starts := func(n int) (passed int) {
		for range n {
			switch resp := getFrom(t, "127.0.0.2", g, "/oauth2/start?rd=%2F", "Accept", "application/json"); resp.StatusCode {
			case http.StatusFound:
				passed++
			case http.StatusTooManyRequests:
			default:
				t.Fatalf("/start: status %d", resp.StatusCode)
			}
		}
		return passed
	}
	if passed := starts(12); passed > 11 {
		t.Fatalf("%d of 12 starts passed a burst of 10", passed)
	}
	spent := time.Now()
	reloadConfig(t, g, base+"authorization: {public_paths: [/static]}\n", 1)
	// One token a second refills meanwhile; a fresh limiter would pass all ten.
	passed := starts(10)
	if allowed := int(time.Since(spent).Seconds()) + 1; passed > allowed {
		t.Errorf("after the reload %d of 10 starts passed, want at most %d: the spent burst was restored", passed, allowed)
	}
}
