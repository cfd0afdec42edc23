package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/jaegertest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// A client's own trace context: its trace id must never become gatehouse's.
const (
	clientTraceID = "0af7651916cd43dd8448eb211c80319c"
	clientSpanID  = "b7ad6b7169203331"
	clientTP      = "00-" + clientTraceID + "-" + clientSpanID + "-01"
)

// tracedGate starts gatehouse with the Redis store and the in-process
// provider, exporting its spans to j under service.
func tracedGate(t *testing.T, j *jaegertest.Jaeger, service string, opts ...option) *gate {
	t.Helper()
	return startGate(t, append([]option{withStore("redis"), withEnv(
		"OTEL_EXPORTER_OTLP_ENDPOINT="+j.OTLPEndpoint,
		"OTEL_SERVICE_NAME="+service,
		// So that the test sees the access token, and can look for it.
		"GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN=true",
	)}, opts...)...)
}

// traceparent splits a W3C traceparent into trace id and parent span id.
func traceparent(t *testing.T, tp string) (traceID, spanID string) {
	t.Helper()
	parts := strings.Split(tp, "-")
	if len(parts) != 4 || len(parts[1]) != 32 || len(parts[2]) != 16 {
		t.Fatalf("traceparent %q is not version-traceid-spanid-flags", tp)
	}
	return parts[1], parts[2]
}

func marker(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// TestTracesSpanGatehouseUpstreamRedisAndProvider logs in and makes a
// proxied request from an untrusted client that sends its own traceparent,
// then reads the traces back from Jaeger: the proxied request is one trace
// from gatehouse's server span to its upstream client span, with the Redis
// spans inside, and the upstream got that trace's context, not the client's
// (which is only a link); the login's trace holds the provider calls, whose
// traceparent the provider got; no secret of the whole exchange appears in
// any span.
func TestTracesSpanGatehouseUpstreamRedisAndProvider(t *testing.T) {
	j := jaegertest.Start(t)
	g := tracedGate(t, j, "gatehouse")
	b := newBrowser(t)
	u, _ := url.Parse(g.URL)

	// Every secret of the exchange, collected as the test meets it.
	secrets := map[string]string{}
	rdMarker := marker("rdsecret")
	authURL := b.startLogin(g, "/after-login?next="+rdMarker)
	secrets["rd"] = rdMarker
	authQuery := mustQuery(t, authURL)
	secrets["state"], secrets["nonce"] = authQuery.Get("state"), authQuery.Get("nonce")
	for _, c := range b.Jar.Cookies(u) {
		secrets["cookie "+c.Name] = c.Value // the login-state cookie
	}
	callback := b.authorize(g, authURL, testidp.Alice.Username, testidp.Alice.Password)
	secrets["code"] = mustQuery(t, callback).Get("code")
	if resp := b.navigate(callback); resp.StatusCode != http.StatusFound {
		t.Fatalf("callback: status %d", resp.StatusCode)
	}
	secrets["session cookie"] = b.sessionCookie(g)
	rc := g.Redis.Client()
	keys, err := rc.Do(t.Context(), rc.B().Keys().Pattern("gatehouse:s:*").Build()).AsStrSlice()
	if err != nil || len(keys) != 1 {
		t.Fatalf("session keys in Redis: %v, %v", keys, err)
	}
	sessionID := strings.TrimPrefix(keys[0], "gatehouse:s:")
	secrets["session id"] = sessionID

	queryMarker := marker("querysecret")
	resp := b.navigate(g.URL+"/app/page?q="+queryMarker, "Traceparent", clientTP, "Tracestate", "client=chosen")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("proxied request: status %d", resp.StatusCode)
	}
	secrets["query"] = queryMarker
	up := g.Upstream.last(t)
	secrets["access token header"] = up.Header.Get("X-Forwarded-Access-Token")
	secrets["email"] = up.Header.Get("X-Forwarded-Email")
	upTrace, upParent := traceparent(t, up.Header.Get("Traceparent"))
	if upTrace == clientTraceID {
		t.Fatal("the upstream got the untrusted client's trace id")
	}
	if ts := up.Header.Get("Tracestate"); ts != "" {
		t.Errorf("the upstream got the client's tracestate %q", ts)
	}

	// Logout hands the provider the ID token: one more secret, one more span.
	resp = b.navigate(g.URL + "/oauth2/logout")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.Contains(loc, "id_token_hint=") {
		t.Fatalf("logout: status %d to %q, want 302 to end_session with id_token_hint", resp.StatusCode, loc)
	}
	secrets["logout state"] = mustQuery(t, resp.Header.Get("Location")).Get("state")
	logoutToken := marker("logouttokensecret")
	resp = b.post(g.URL+"/oauth2/backchannel-logout", url.Values{"logout_token": {logoutToken}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("back-channel logout with garbage: status %d, want 400", resp.StatusCode)
	}
	secrets["logout token"] = logoutToken
	for i, tok := range g.IDP.IssuedTokens() {
		secrets[fmt.Sprintf("access token %d", i)] = tok.AccessToken
		secrets[fmt.Sprintf("refresh token %d", i)] = tok.RefreshToken
		secrets[fmt.Sprintf("id token %d", i)] = tok.IDToken
	}
	tokenTPs := g.IDP.Traceparents(testidp.TokenPath)

	// Stopping gatehouse flushes its spans (shutdown is what main does on
	// SIGTERM), so nothing below waits for the batch interval.
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}

	t.Run("proxied request", func(t *testing.T) {
		tr, _ := j.Trace(t, upTrace, 3, 30*time.Second)
		server := only(t, tr, "GET upstream", "server")
		client := only(t, tr, "GET upstream", "client")
		if _, ok := server.Parent(); ok {
			t.Errorf("server span has a parent %v: the untrusted client's traceparent was used", server.References)
		}
		if !linksTo(server, clientTraceID, clientSpanID) {
			t.Errorf("server span references %v, want a link to the client's %s", server.References, clientTP)
		}
		if p, ok := client.Parent(); !ok || p.SpanID != server.SpanID {
			t.Errorf("upstream client span's parent %v, want the server span %s", client.References, server.SpanID)
		}
		if upParent != client.SpanID {
			t.Errorf("upstream got parent span %s, want the client span %s", upParent, client.SpanID)
		}
		wantTags(t, server, map[string]string{"http.route": "upstream", "url.path": "/app/page", "http.request.method": "GET",
			"http.response.status_code": "200"})
		hash := session.HashID(sessionID)
		if got := server.Tag("gatehouse.session"); got != hash {
			t.Errorf("server span's session %q, want the session's hash %q", got, hash)
		}
		load := only(t, tr, "store load", "client")
		if p, ok := load.Parent(); !ok || p.SpanID != server.SpanID {
			t.Errorf("store load's parent %v, want the server span", load.References)
		}
		wantTags(t, load, map[string]string{"db.system.name": "redis", "gatehouse.session": hash})
	})

	t.Run("login", func(t *testing.T) {
		traces, _ := j.Find(t, "gatehouse", "GET callback", 30*time.Second)
		if len(traces) != 1 {
			t.Fatalf("%d callback traces, want 1", len(traces))
		}
		tr := traces[0]
		server := only(t, tr, "GET callback", "server")
		token := only(t, tr, "oidc token", "client")
		if p, ok := token.Parent(); !ok || p.SpanID != server.SpanID {
			t.Errorf("token call's parent %v, want the callback's server span", token.References)
		}
		wantTags(t, token, map[string]string{"url.path": testidp.TokenPath, "http.response.status_code": "200"})
		if len(tokenTPs) != 1 {
			t.Fatalf("provider saw %d token requests, want 1", len(tokenTPs))
		}
		if id, parent := traceparent(t, tokenTPs[0]); id != tr.TraceID || parent != token.SpanID {
			t.Errorf("provider got traceparent %s, want trace %s parent %s", tokenTPs[0], tr.TraceID, token.SpanID)
		}
		for _, name := range []string{"oidc jwks", "oidc userinfo", "store claim", "store save"} {
			if len(spansNamed(tr, name)) == 0 {
				t.Errorf("the login's trace has no %q span; it has %v", name, names(tr))
			}
		}
		wantTags(t, only(t, tr, "store save", "client"), map[string]string{"db.system.name": "redis"})
	})

	t.Run("login and logout endpoints", func(t *testing.T) {
		for _, op := range []string{"GET start", "GET logout", "POST backchannel_logout"} {
			traces, _ := j.Find(t, "gatehouse", op, 30*time.Second)
			s := only(t, traces[0], op, "server")
			if s.Tag("http.route") == "" || s.Tag("http.response.status_code") == "" {
				t.Errorf("%s: tags %v", op, s.Tags)
			}
		}
	})

	t.Run("no secret in any span", func(t *testing.T) {
		traces, raw := j.Find(t, "gatehouse", "", 30*time.Second)
		if len(traces) < 6 {
			t.Errorf("only %d traces of gatehouse", len(traces))
		}
		for name, secret := range secrets {
			if len(secret) < 8 {
				t.Fatalf("secret %q was not collected (%q)", name, secret)
			}
			if strings.Contains(string(raw), secret) {
				t.Errorf("the %s appears in a span: %s", name, excerpt(string(raw), secret))
			}
		}
		// The e-mail's local part alone, too, in case something cut it up.
		if local, _, _ := strings.Cut(secrets["email"], "@"); strings.Contains(string(raw), `"`+local) {
			t.Errorf("the e-mail's local part appears: %s", excerpt(string(raw), local))
		}
	})
}

func mustQuery(t *testing.T, rawURL string) url.Values {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

func (b *browser) post(rawURL string, form url.Values) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// only returns the one span of tr named name of kind ("server", "client").
func only(t *testing.T, tr jaegertest.Trace, name, kind string) jaegertest.Span {
	t.Helper()
	var found []jaegertest.Span
	for _, s := range spansNamed(tr, name) {
		if s.Tag("span.kind") == kind {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s spans %q in trace %s, want 1; spans: %v", len(found), kind, name, tr.TraceID, names(tr))
	}
	return found[0]
}

func spansNamed(tr jaegertest.Trace, name string) []jaegertest.Span {
	var out []jaegertest.Span
	for _, s := range tr.Spans {
		if s.OperationName == name {
			out = append(out, s)
		}
	}
	return out
}

func names(tr jaegertest.Trace) []string {
	var out []string
	for _, s := range tr.Spans {
		out = append(out, s.OperationName+"("+s.Tag("span.kind")+")")
	}
	return out
}

// linksTo reports whether s references the span traceID/spanID other than
// as its parent.
func linksTo(s jaegertest.Span, traceID, spanID string) bool {
	for _, r := range s.References {
		if r.RefType != "CHILD_OF" && r.TraceID == traceID && r.SpanID == spanID {
			return true
		}
	}
	return false
}

func wantTags(t *testing.T, s jaegertest.Span, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := s.Tag(k); got != v {
			t.Errorf("%s: tag %s = %q, want %q", s.OperationName, k, got, v)
		}
	}
}

func excerpt(s, sub string) string {
	i := strings.Index(s, sub)
	if i < 0 {
		return ""
	}
	return s[max(0, i-200):min(len(s), i+len(sub)+50)]
}

// TestIncomingTraceparentTrust: tracing.trust_incoming decides whose
// traceparent becomes the parent of gatehouse's span (and so reaches the
// upstream as the trace it belongs to); from anyone else it is a link on a
// new trace. Requests are written raw, as a client would send them.
func TestIncomingTraceparentTrust(t *testing.T) {
	j := jaegertest.Start(t)
	tests := []struct {
		name, trust, from string
		wantParent        bool
	}{
		{"trusted proxy, default", "", "127.0.0.2", true},
		{"untrusted peer, default", "", "127.0.0.1", false},
		{"trusted proxy, never", "never", "127.0.0.2", false},
		{"untrusted peer, always", "always", "127.0.0.1", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			service := fmt.Sprintf("gatehouse-trust-%d", i)
			file := "trusted_proxies: [127.0.0.2]\nauthorization:\n  public_paths: [/public]\n"
			if tt.trust != "" {
				file += "tracing:\n  trust_incoming: " + tt.trust + "\n"
			}
			g := startGate(t, withConfigFile(file), withEnv("OTEL_EXPORTER_OTLP_ENDPOINT="+j.OTLPEndpoint, "OTEL_SERVICE_NAME="+service))
			addr := strings.TrimPrefix(g.URL, "http://")
			// A trace id of its own per case: the cases share one Jaeger.
			clientTraceID, clientSpanID := marker("")+marker(""), marker("")
			clientTP := "00-" + clientTraceID + "-" + clientSpanID + "-01"
			resp := fwdRaw(t, tt.from, addr, fwdRequest("GET", "/public/x", addr, "TRACEPARENT: "+clientTP, "tracestate: client=chosen"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			up := g.Upstream.last(t)
			upTrace, _ := traceparent(t, up.Header.Get("Traceparent"))
			if (upTrace == clientTraceID) != tt.wantParent {
				t.Errorf("upstream traceparent %q: continues the client's trace = %v, want %v", up.Header.Get("Traceparent"), upTrace == clientTraceID, tt.wantParent)
			}
			if got, want := up.Header.Get("Tracestate"), map[bool]string{true: "client=chosen", false: ""}[tt.wantParent]; got != want {
				t.Errorf("upstream tracestate %q, want %q", got, want)
			}
			if err := g.stop(); err != nil {
				t.Fatal(err)
			}
			tr, _ := j.Trace(t, upTrace, 2, 30*time.Second)
			server := only(t, tr, "GET upstream", "server")
			p, hasParent := server.Parent()
			switch {
			case tt.wantParent && (!hasParent || p.SpanID != clientSpanID):
				t.Errorf("server span references %v, want the client's span %s as parent", server.References, clientSpanID)
			case !tt.wantParent && (hasParent || !linksTo(server, clientTraceID, clientSpanID)):
				t.Errorf("server span references %v, want no parent and a link to %s", server.References, clientTP)
			}
		})
	}
}

// TestClientTraceparentWithTracingOff: with tracing off gatehouse makes no
// trace context of its own, and still passes an incoming one upstream only
// when tracing.trust_incoming trusts it.
func TestClientTraceparentWithTracingOff(t *testing.T) {
	tests := []struct {
		name, trust, from string
		wantPassed        bool
	}{
		{"untrusted peer, default", "", "127.0.0.1", false},
		{"trusted proxy, default", "", "127.0.0.2", true},
		{"trusted proxy, never", "never", "127.0.0.2", false},
		{"untrusted peer, always", "always", "127.0.0.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := "trusted_proxies: [127.0.0.2]\nauthorization:\n  public_paths: [/public]\n"
			if tt.trust != "" {
				file += "tracing:\n  trust_incoming: " + tt.trust + "\n"
			}
			g := startGate(t, withConfigFile(file))
			addr := strings.TrimPrefix(g.URL, "http://")
			resp := fwdRaw(t, tt.from, addr, fwdRequest("GET", "/public/x", addr, "traceparent: "+clientTP, "TraceState: client=chosen"))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			up := g.Upstream.last(t)
			got := up.Header.Get("Traceparent") + " " + up.Header.Get("Tracestate")
			want := " "
			if tt.wantPassed {
				want = clientTP + " client=chosen"
			}
			if got != want {
				t.Errorf("upstream got traceparent and tracestate %q, want %q", got, want)
			}
		})
	}
}

// TestTracesOverOTLPJSON: the traces endpoint variable is used as written,
// and http/json reaches the receiver as well as http/protobuf does.
func TestTracesOverOTLPJSON(t *testing.T) {
	j := jaegertest.Start(t)
	g := startGate(t, withConfigFile("authorization:\n  public_paths: [/public]\n"), withEnv(
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="+j.OTLPEndpoint+"/v1/traces",
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
		"OTEL_SERVICE_NAME=gatehouse-json",
	))
	if resp := newBrowser(t).api(g.URL + "/public/x"); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	upTrace, _ := traceparent(t, g.Upstream.last(t).Header.Get("Traceparent"))
	if err := g.stop(); err != nil {
		t.Fatal(err)
	}
	tr, _ := j.Trace(t, upTrace, 2, 30*time.Second)
	if p := tr.Processes[only(t, tr, "GET upstream", "server").ProcessID]; p.ServiceName != "gatehouse-json" {
		t.Errorf("service %q, want gatehouse-json", p.ServiceName)
	}
}
