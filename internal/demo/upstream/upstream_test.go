package upstream_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/demo/upstream"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

func get(t *testing.T, target string, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	upstream.Handler(nil).ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTMLEscapesHeaders(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	const escaped = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`
	for _, header := range append(upstream.IdentityHeaders, "X-Other", upstream.AssertionHeader) {
		t.Run(header, func(t *testing.T) {
			resp := get(t, "/page?q=1", http.Header{header: {evil}, "Accept": {"text/html"}})
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
			page := body(t, resp)
			if strings.Contains(page, "<script") {
				t.Fatalf("unescaped header value in page:\n%s", page)
			}
			if !strings.Contains(page, escaped) {
				t.Fatalf("escaped value %s missing from page:\n%s", escaped, page)
			}
		})
	}
}

func TestHTMLPage(t *testing.T) {
	assertion := strings.Repeat("a", 30) + strings.Repeat("b", 30)
	resp := get(t, "/some/path?x=y", http.Header{
		"X-Forwarded-User":       {"alice-id"},
		"X-Forwarded-Email":      {"alice@example.com"},
		"X-Forwarded-Groups":     {"admins,staff"},
		upstream.AssertionHeader: {assertion},
		"X-Request-Id":           {"req-1"},
	})
	page := body(t, resp)
	for _, want := range []string{
		"<title>gatehouse demo upstream</title>",
		"GET /some/path?x=y",
		"alice-id", "alice@example.com", "admins,staff",
		"X-Forwarded-Preferred-Username", "not set",
		strings.Repeat("a", 30) + strings.Repeat("b", 10) + "…",
		"X-Request-Id", "req-1",
		`href="/oauth2/logout"`, "Log out",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, assertion) {
		t.Error("page shows the whole assertion")
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		accept string
		json   bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"", false},
		{"*/*", false},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			resp := get(t, "/api?x=1", http.Header{
				"Accept":                 {tc.accept},
				"X-Forwarded-User":       {"<b>bob</b>"},
				upstream.AssertionHeader: {strings.Repeat("z", 100)},
			})
			isJSON := resp.Header.Get("Content-Type") == "application/json"
			if isJSON != tc.json {
				t.Fatalf("Content-Type %q, want JSON %v", resp.Header.Get("Content-Type"), tc.json)
			}
			if !tc.json {
				return
			}
			var got upstream.Response
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatal(err)
			}
			if got.Method != "GET" || got.Path != "/api?x=1" || got.Identity["X-Forwarded-User"] != "<b>bob</b>" {
				t.Errorf("got %+v", got)
			}
			if v := got.Headers[upstream.AssertionHeader]; len(v) != 1 || len(v[0]) != 100 {
				t.Errorf("assertion in JSON = %v, want it whole", v)
			}
		})
	}
}

func TestAssertionCheckShown(t *testing.T) {
	k, err := keys.Generate(keys.ES256)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(verify.Options{Issuer: "http://gate", Audience: "http://app", JWKS: keys.JWKS([]keys.Key{k})})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ assertion, want string }{
		{"", "assertion ✗ verify: no assertion"},
		{"forged", "assertion ✗ verify: malformed assertion"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.assertion != "" {
			r.Header.Set(upstream.AssertionHeader, tc.assertion)
		}
		w := httptest.NewRecorder()
		upstream.Handler(v).ServeHTTP(w, r)
		if b := body(t, w.Result()); !strings.Contains(b, tc.want) {
			t.Errorf("assertion %q: page lacks %q", tc.assertion, tc.want)
		}
	}
}
