package tracing

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
)

// recorder returns a provider that keeps its spans in memory.
func recorder(t *testing.T, s sdktrace.Sampler) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(s))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

const (
	clientTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientParent  = "00-" + clientTraceID + "-00f067aa0ba902b7-01"
)

func TestServerSpanTrust(t *testing.T) {
	tests := []struct {
		name        string
		traceparent string
		trust       bool
		wantParent  bool
		wantLink    bool
	}{
		{"trusted peer: the incoming context is the parent", clientParent, true, true, false},
		{"untrusted peer: a new trace linked to the incoming one", clientParent, false, false, true},
		{"untrusted peer without traceparent: a new trace, no link", "", false, false, false},
		{"malformed traceparent: ignored", "00-zz-00f067aa0ba902b7-01", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, rec := recorder(t, sdktrace.ParentBased(sdktrace.AlwaysSample()))
			r := httptest.NewRequest(http.MethodGet, "/oauth2/callback?code=SECRET-CODE&state=SECRET-STATE", nil)
			if tt.traceparent != "" {
				r.Header.Set("Traceparent", tt.traceparent)
				r.Header.Set("Tracestate", "vendor=x")
			}
			_, span := NewServer(tp).Start(r.Context(), r, "callback", tt.trust)
			End(span, http.StatusFound)
			got := rec.Ended()[0]
			if got.Name() != "GET callback" || got.SpanKind() != trace.SpanKindServer {
				t.Errorf("span %q kind %v, want \"GET callback\" server", got.Name(), got.SpanKind())
			}
			if isChild := got.Parent().TraceID().String() == clientTraceID; isChild != tt.wantParent {
				t.Errorf("parent %v, want the client's context as parent: %v", got.Parent(), tt.wantParent)
			}
			if tt.wantParent && got.SpanContext().TraceState().Get("vendor") != "x" {
				t.Error("a trusted parent's tracestate was not kept")
			}
			hasLink := len(got.Links()) == 1 && got.Links()[0].SpanContext.TraceID().String() == clientTraceID
			if hasLink != tt.wantLink || (!tt.wantLink && len(got.Links()) != 0) {
				t.Errorf("links %v, want a link to the client's trace: %v", got.Links(), tt.wantLink)
			}
			attrs := attrMap(got.Attributes())
			want := map[string]string{"http.request.method": "GET", "url.path": "/oauth2/callback", "url.scheme": "http",
				"http.route": "callback", "http.response.status_code": "302"}
			for k, v := range want {
				if attrs[k] != v {
					t.Errorf("%s = %q, want %q", k, attrs[k], v)
				}
			}
			assertNoSecret(t, got, "SECRET")
		})
	}
}

// An untrusted client that marks its traceparent sampled must not get its
// requests recorded when the sampler would not record them.
func TestUntrustedSampledFlagDecidesNothing(t *testing.T) {
	tp, rec := recorder(t, sampler("parentbased_traceidratio", 0))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Traceparent", clientParent)
	_, span := NewServer(tp).Start(r.Context(), r, "upstream", false)
	End(span, 200)
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans recorded at ratio 0 for an untrusted sampled traceparent, want 0", n)
	}
	_, span = NewServer(tp).Start(r.Context(), r, "upstream", true)
	End(span, 200)
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("%d spans recorded for a trusted sampled parent, want 1 (parent-based)", n)
	}
}

func TestServerSpanMethodAndStatus(t *testing.T) {
	tp, rec := recorder(t, sdktrace.AlwaysSample())
	r := httptest.NewRequest("BREW", "/pot", nil)
	_, span := NewServer(tp).Start(r.Context(), r, "upstream", false)
	End(span, 502)
	got := rec.Ended()[0]
	if got.Name() != "HTTP upstream" || attrMap(got.Attributes())["http.request.method"] != "_OTHER" {
		t.Errorf("name %q, method %q: a client's own method must not reach the span", got.Name(), attrMap(got.Attributes())["http.request.method"])
	}
	if got.Status().Code.String() != "Error" {
		t.Errorf("status %v for a 502, want Error", got.Status())
	}
}

func TestTransport(t *testing.T) {
	var gotParent, gotState string
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotParent, gotState = r.Header.Get("Traceparent"), r.Header.Get("Tracestate")
		_, _ = io.WriteString(w, "hello")
	}))
	defer peer.Close()
	tp, rec := recorder(t, sdktrace.AlwaysSample())
	ctx, parent := tp.Tracer("test").Start(context.Background(), "server")
	client := &http.Client{Transport: Transport(tp, http.DefaultTransport, func(r *http.Request) string { return r.Method + " upstream" })}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, peer.URL+"/a/b?rd=SECRET-RD&token=SECRET", nil)
	req.Header.Set("Traceparent", clientParent) // the client's, left by a careless caller
	req.Header.Set("Tracestate", "evil=1")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Ended()) != 0 {
		t.Error("the client span ended before the body was read")
	}
	_, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	parent.End()
	if req.Header.Get("Traceparent") != clientParent {
		t.Error("the transport changed the caller's request")
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the client span and its parent", len(spans))
	}
	span := spans[0]
	if span.Name() != "GET upstream" || span.SpanKind() != trace.SpanKindClient || span.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("span %q kind %v parent %v", span.Name(), span.SpanKind(), span.Parent())
	}
	want := "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01"
	if gotParent != want || gotState != "" {
		t.Errorf("peer got traceparent %q tracestate %q, want %q and none", gotParent, gotState, want)
	}
	attrs := attrMap(span.Attributes())
	if attrs["url.path"] != "/a/b" || attrs["http.response.status_code"] != "200" || attrs["server.address"] != "127.0.0.1" {
		t.Errorf("attributes %v", attrs)
	}
	assertNoSecret(t, span, "SECRET")
}

func TestTransportError(t *testing.T) {
	tp, rec := recorder(t, sdktrace.AlwaysSample())
	client := &http.Client{Transport: Transport(tp, http.DefaultTransport, providerSpanName)}
	// A port nobody listens on: the url.Error quotes the whole URL.
	ln := httptest.NewServer(http.NotFoundHandler())
	addr := ln.URL
	ln.Close()
	_, err := client.Get(addr + "/token?code=SECRET-CODE")
	if err == nil {
		t.Fatal("want a connection error")
	}
	span := rec.Ended()[0]
	if span.Name() != "oidc token" || attrMap(span.Attributes())["error.type"] != "dial" {
		t.Errorf("span %q attributes %v", span.Name(), attrMap(span.Attributes()))
	}
	assertNoSecret(t, span, "SECRET")
}

func TestProviderOperation(t *testing.T) {
	tests := map[string]string{
		"/.well-known/openid-configuration":          "discovery",
		"/realms/x/.well-known/openid-configuration": "discovery",
		"/.well-known/jwks.json":                     "jwks",
		"/realms/x/protocol/openid-connect/certs":    "jwks",
		"/keys":                "jwks",
		"/discovery/v2.0/keys": "jwks",
		"/oauth2/token":        "token",
		"/realms/x/protocol/openid-connect/token": "token",
		"/userinfo":      "userinfo",
		"/v1/userinfo/":  "userinfo",
		"/oauth2/revoke": "other",
		"":               "other",
		"/realms/x/protocol/openid-connect/token/introspect":       "other",
		"/.well-known/oauth-authorization-server/tenant":           "other",
		"/tenant/.well-known/oauth-authorization-server":           "discovery",
		"/oauth2/v2.0/token":                                       "token",
		"/protocol/openid-connect/userinfo":                        "userinfo",
		"/jwks":                                                    "jwks",
		"/.well-known/openid-configuration/../../token?x=SECRET":   "other",
		"/v1/token/ignored/for/paths/that/merely/contain/the/word": "other",
	}
	for path, want := range tests {
		if got := providerOperation(path); got != want {
			t.Errorf("providerOperation(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestStoreSpans(t *testing.T) {
	tp, rec := recorder(t, sdktrace.AlwaysSample())
	store := InstrumentStore(tp, "redis", memory.New())
	ctx := context.Background()
	s := &session.Session{ID: "SECRET-SESSION-ID", Subject: "alice"}
	// Outside a traced request: no span (readiness probes, background).
	if err := store.Save(ctx, s, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans without a parent, want 0", n)
	}
	ctx, parent := tp.Tracer("test").Start(ctx, "request")
	if _, err := store.Load(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(ctx, "missing"); err == nil {
		t.Fatal("want not found")
	}
	if _, err := store.Claim(ctx, "SECRET-STATE", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DeleteBySubject(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := rec.Ended()
	names := []string{}
	for _, sp := range spans[:len(spans)-1] {
		names = append(names, sp.Name())
		if sp.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("%s: parent %v", sp.Name(), sp.Parent())
		}
		if sp.Status().Code.String() == "Error" {
			t.Errorf("%s: status %v (a missing session is not an error)", sp.Name(), sp.Status())
		}
		assertNoSecret(t, sp, "SECRET")
		assertNoSecret(t, sp, "alice")
	}
	if strings.Join(names, ",") != "store load,store load,store claim,store delete_by_subject" {
		t.Errorf("spans %v", names)
	}
	attrs := attrMap(spans[0].Attributes())
	if attrs["gatehouse.session"] != session.HashID(s.ID) || attrs["db.system.name"] != "redis" || attrs["db.operation.name"] != "load" {
		t.Errorf("load attributes %v", attrs)
	}
}

func TestNewOff(t *testing.T) {
	p, err := New(context.Background(), config.OTelExport{})
	if err != nil || p.Enabled() {
		t.Fatalf("New(off) = enabled %v, %v", p.Enabled(), err)
	}
	if _, span := p.TracerProvider().Tracer("x").Start(context.Background(), "x"); span.IsRecording() {
		t.Error("the off provider records")
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestNewOnContactsNothing(t *testing.T) {
	// Nothing listens there: building and an empty shutdown must not care.
	p, err := New(context.Background(), config.OTelExport{Endpoint: "http://127.0.0.1:1/v1/traces", ServiceName: "gatehouse",
		Sampler: "parentbased_always_on", Ratio: 1, Resource: []config.ResourceAttribute{{Key: "team", Value: "a"}}})
	if err != nil || !p.Enabled() {
		t.Fatalf("New = enabled %v, %v", p.Enabled(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("shutdown with nothing to send: %v", err)
	}
}

func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// assertNoSecret fails when secret appears in any attribute, link or event
// of span, or in its name or status.
func assertNoSecret(t *testing.T, span sdktrace.ReadOnlySpan, secret string) {
	t.Helper()
	parts := []string{span.Name(), span.Status().Description}
	for _, kv := range span.Attributes() {
		parts = append(parts, kv.Value.String())
	}
	for _, e := range span.Events() {
		parts = append(parts, e.Name)
		for _, kv := range e.Attributes {
			parts = append(parts, kv.Value.String())
		}
	}
	for _, p := range parts {
		if strings.Contains(p, secret) {
			t.Errorf("span %q records %q: %q", span.Name(), secret, p)
		}
	}
}

// An upgraded connection's body must stay the connection (ReverseProxy
// writes to it); its span covers the handshake.
func TestTransportUpgrade(t *testing.T) {
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		_ = buf.Flush()
		_, _ = io.Copy(io.Discard, buf)
	}))
	defer peer.Close()
	tp, rec := recorder(t, sdktrace.AlwaysSample())
	req, _ := http.NewRequest(http.MethodGet, peer.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "test")
	resp, err := Transport(tp, http.DefaultTransport, func(*http.Request) string { return "GET upstream" }).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, ok := resp.Body.(io.ReadWriteCloser); !ok || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, body %T: want 101 and the connection as body", resp.StatusCode, resp.Body)
	}
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("%d spans ended at the handshake, want 1", n)
	}
}
