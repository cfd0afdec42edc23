package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// policyCall sends one raw request to g from the local address from ("" for
// any): the request line exactly as given (any method, any case), Host,
// the header lines ("Name: value"), and body with its Content-Length.
func policyCall(t *testing.T, g *gate, from, method, target, body string, lines ...string) *http.Response {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	if body != "" || method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	return fwdRaw(t, from, host, b.String())
}

const methodsPolicy = `
authorization:
  public_paths:
    - /static
    - path: /feed
      methods: [GET]
    - path: /api/hooks
      methods: [POST]
  rules:
    - path: /reports
      methods: [GET]
      allowed_groups: [admins]
`

// TestPolicyPublicByMethod: GET (and HEAD) of /feed are public, every
// other method needs a login; POST to /api/hooks is public for a webhook.
// Methods are judged on the request line as sent: lowercase and unknown
// methods are not GET, and method override headers or a _method field
// never change which entry applies (the headers are also removed before
// the upstream, so it acts on the method that was judged).
func TestPolicyPublicByMethod(t *testing.T) {
	g := startGate(t, withConfigFile(methodsPolicy))
	json := "Accept: application/json"
	for _, tc := range []struct {
		name, method, target, body string
		lines                      []string
		want                       int
	}{
		{"GET feed", "GET", "/feed", "", nil, http.StatusOK},
		{"HEAD feed", "HEAD", "/feed/rss", "", nil, http.StatusOK},
		{"POST feed", "POST", "/feed", "", []string{json}, http.StatusUnauthorized},
		{"PUT feed", "PUT", "/feed", "", []string{json}, http.StatusUnauthorized},
		{"DELETE feed", "DELETE", "/feed", "", []string{json}, http.StatusUnauthorized},
		{"lowercase get is not GET", "get", "/feed", "", []string{json}, http.StatusUnauthorized},
		{"extension method", "PROPFIND", "/feed", "", []string{json}, http.StatusUnauthorized},
		{"POST with X-HTTP-Method-Override: GET", "POST", "/feed", "", []string{json, "X-HTTP-Method-Override: GET"}, http.StatusUnauthorized},
		{"POST with X-Method-Override: GET", "POST", "/feed", "", []string{json, "X-Method-Override: GET"}, http.StatusUnauthorized},
		{"POST with _method=GET", "POST", "/feed?_method=GET", "_method=GET", []string{json, "Content-Type: application/x-www-form-urlencoded"}, http.StatusUnauthorized},
		{"webhook POST", "POST", "/api/hooks/deploy", `{"ok":true}`, []string{"Content-Type: application/json"}, http.StatusOK},
		{"webhook GET", "GET", "/api/hooks/deploy", "", []string{json}, http.StatusUnauthorized},
		{"webhook DELETE", "DELETE", "/api/hooks/deploy", "", []string{json}, http.StatusUnauthorized},
		{"plain public path, any method", "DELETE", "/static/x.css", "", nil, http.StatusOK},
	} {
		before := g.Upstream.count()
		resp := policyCall(t, g, "", tc.method, tc.target, tc.body, tc.lines...)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s %s = %d, want %d", tc.name, tc.method, tc.target, resp.StatusCode, tc.want)
			continue
		}
		reached := g.Upstream.count() - before
		if (tc.want == http.StatusOK) != (reached == 1) {
			t.Errorf("%s: the upstream got %d requests", tc.name, reached)
		}
	}

	// An override header on a public request does not reach the upstream:
	// it acts on the method gatehouse judged.
	for _, tc := range []struct{ method, target string }{{"GET", "/feed"}, {"POST", "/api/hooks"}} {
		resp := policyCall(t, g, "", tc.method, tc.target, "", "X-HTTP-Method-Override: DELETE", "X-Method-Override: DELETE")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s with override headers: %d", tc.method, tc.target, resp.StatusCode)
		}
		got := g.Upstream.last(t)
		if got.Method != tc.method || got.Header.Get("X-Http-Method-Override") != "" || got.Header.Get("X-Method-Override") != "" {
			t.Errorf("%s %s: upstream got %s with overrides %q %q", tc.method, tc.target, got.Method,
				got.Header.Get("X-Http-Method-Override"), got.Header.Get("X-Method-Override"))
		}
	}
}

// TestPolicyRuleByMethod: a rule limited to GET also governs HEAD, the
// method in another case and methods outside RFC 9110 (applications answer
// those as GET), but not POST; an override header does not move a request
// into or out of it.
func TestPolicyRuleByMethod(t *testing.T) {
	g := startGate(t, withConfigFile(methodsPolicy), withIDP(testidp.WithUsers(policyUsers...)))
	staff, admin := newBrowser(t), newBrowser(t)
	staff.login(g, "/", "staff", "staff-password")
	admin.login(g, "/", "admin", "admin-password")
	for _, tc := range []struct {
		name, method string
		lines        []string
		staff        int
	}{
		{"GET", "GET", nil, http.StatusForbidden},
		{"HEAD", "HEAD", nil, http.StatusForbidden},
		{"lowercase get", "get", nil, http.StatusForbidden},
		{"Get", "Get", nil, http.StatusForbidden},
		{"extension method", "FOO", nil, http.StatusForbidden},
		{"POST is not governed", "POST", nil, http.StatusOK},
		{"POST with X-HTTP-Method-Override: GET", "POST", []string{"X-HTTP-Method-Override: GET"}, http.StatusOK},
		{"GET with X-HTTP-Method-Override: POST", "GET", []string{"X-HTTP-Method-Override: POST"}, http.StatusForbidden},
	} {
		lines := append([]string{"Accept: application/json", "Cookie: gatehouse=" + staff.sessionCookie(g)}, tc.lines...)
		if resp := policyCall(t, g, "", tc.method, "/reports/q1", "", lines...); resp.StatusCode != tc.staff {
			t.Errorf("staff, %s: %d, want %d", tc.name, resp.StatusCode, tc.staff)
		}
		lines[1] = "Cookie: gatehouse=" + admin.sessionCookie(g)
		if resp := policyCall(t, g, "", tc.method, "/reports/q1", "", lines...); resp.StatusCode != http.StatusOK {
			t.Errorf("admin, %s: %d, want 200", tc.name, resp.StatusCode)
		}
	}
}
