package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// rawGet sends target exactly as written on the request line, so no client
// library can clean or re-encode the path an attacker chose.
func rawGet(t *testing.T, g *gate, target string, header ...string) *http.Response {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	return rawRequestHost(t, host, host, target, header...)
}

// rawRequestHost sends a raw GET for target to addr with the Host header
// host, and returns the response with its body read.
func rawRequestHost(t *testing.T, addr, host, target string, header ...string) *http.Response {
	t.Helper()
	return rawSend(t, addr, host, "GET", target, "", header...)
}

// rawSend sends method and target exactly as written on the request line to
// addr, with the Host header host, the given headers (name, value pairs)
// and body, and returns the response with its body read.
func rawSend(t *testing.T, addr, host, method, target, body string, header ...string) *http.Response {
	t.Helper()
	lines := []string{method + " " + target + " HTTP/1.1", "Host: " + host, "Connection: close"}
	for i := 0; i+1 < len(header); i += 2 {
		lines = append(lines, header[i]+": "+header[i+1])
	}
	resp, conn, _ := rawExchangeBody(t, addr, lines, body) // upgrade_test.go
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	_ = conn.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(got)))
	return resp
}

const policyFile = `
authorization:
  allowed_emails: [Guest@Partner.com]
  allowed_email_domains: [example.gov, "*.agency.gov"]
  required_claims: {email_verified: true}
  public_paths: [/public, "^/api/v[0-9]+/health$"]
  rules:
    - path: /admin
      allowed_groups: [admins]
`

func policyUser(id, email string, groups ...string) idp.User {
	return idp.User{ID: id, Username: id, Password: id + "-password", Email: email, GivenName: id, FamilyName: "Test", Groups: groups}
}

var policyUsers = []idp.User{
	policyUser("admin", "admin@example.gov", "admins"),
	policyUser("staff", "Staff@EXAMPLE.GOV", "staff"),
	policyUser("guest", "GUEST@partner.com"),
	policyUser("sub", "x@dept.agency.gov", "staff"),
	policyUser("apex", "x@agency.gov"),
	policyUser("hyphen", "user@evil-example.gov"),
	policyUser("appended", "user@example.gov.evil.com"),
	policyUser("twoat", "a@evil.com@example.gov"),
	policyUser("othergroup", "o@example.org", "admins"),
}

// TestPolicyOverHTTP logs each user in through the real provider and asks
// gatehouse for paths as an attacker would write them.
func TestPolicyOverHTTP(t *testing.T) {
	g := startGate(t, withConfigFile(policyFile), withIDP(testidp.WithUsers(policyUsers...)))
	cookies := map[string]string{}
	for _, u := range policyUsers {
		b := newBrowser(t)
		b.login(g, "/", u.Username, u.Password)
		cookies[u.Username] = b.sessionCookie(g)
	}

	t.Run("who may enter", func(t *testing.T) {
		cases := []struct {
			user string
			want int
		}{
			{"admin", 200}, {"staff", 200}, {"guest", 200}, {"sub", 200},
			{"apex", 403}, {"hyphen", 403}, {"appended", 403}, {"twoat", 403}, {"othergroup", 403},
		}
		for _, tc := range cases {
			resp := rawGet(t, g, "/app", "Cookie", "gatehouse="+cookies[tc.user], "Accept", "application/json")
			if resp.StatusCode != tc.want {
				t.Errorf("%s: GET /app = %d, want %d", tc.user, resp.StatusCode, tc.want)
			}
		}
	})

	t.Run("paths for a user outside the admin rule", func(t *testing.T) {
		cases := []struct {
			target string
			want   int
		}{
			{"/admin", 403},
			{"/admin/", 403},
			{"/admin/users", 403},
			{"/admin;jsessionid=x", 403},
			{"/administrator", 200},
			{"/%61dmin", 403},
			{"/%41dmin", 200}, // paths are case-sensitive: /Admin is not /admin
			{"//admin", 403},
			{"/./admin", 403},
			{"/public/../admin", 403},
			{"/public/%2e%2e/admin", 403},
			{"/public%2F..%2Fadmin", 400},
			{"/public%2f..%2fadmin", 400},
			{"/public%5C..%5Cadmin", 400},
			{"/public%00/../admin", 400},
			{"/admin?x=/public", 403},
			{"/public%23/../admin", 403},
			{"/admin#/public", 400},
			{"/public/x", 200},
		}
		for _, tc := range cases {
			before := g.Upstream.count()
			resp := rawGet(t, g, tc.target, "Cookie", "gatehouse="+cookies["staff"], "Accept", "application/json")
			if resp.StatusCode != tc.want {
				t.Errorf("staff: GET %s = %d, want %d", tc.target, resp.StatusCode, tc.want)
			}
			if reached := g.Upstream.count() > before; reached != (tc.want == 200) {
				t.Errorf("staff: GET %s reached the upstream: %v", tc.target, reached)
			}
		}
		if resp := rawGet(t, g, "/admin/x", "Cookie", "gatehouse="+cookies["admin"]); resp.StatusCode != 200 {
			t.Errorf("admin: GET /admin/x = %d", resp.StatusCode)
		}
	})

	t.Run("public paths without a session", func(t *testing.T) {
		cases := []struct {
			target string
			want   int
		}{
			{"/public", 200},
			{"/public/x?y=1", 200},
			{"/api/v2/health", 200},
			{"/api/v2/health/x", 401},
			{"/publicity", 401},
			{"/public/../admin", 401},
			{"/public%23/../admin", 401},
			{"/admin?x=/public", 401},
			{"/admin#/public", 400},
			{"/public#/../admin", 400},
			{"/x/public", 401},
		}
		for _, tc := range cases {
			resp := rawGet(t, g, tc.target, "Accept", "application/json",
				"X-Forwarded-User", "admin", "X-Forwarded_Email", "admin@example.gov")
			if resp.StatusCode != tc.want {
				t.Errorf("anonymous: GET %s = %d, want %d", tc.target, resp.StatusCode, tc.want)
			}
			if resp.StatusCode == 200 {
				got := g.Upstream.last(t).Header
				if v := headerValues(got, "X-Forwarded-User"); len(v) != 0 {
					t.Errorf("anonymous: GET %s: upstream saw X-Forwarded-User %q", tc.target, v)
				}
				if v := headerValues(got, "X-Forwarded-Email"); len(v) != 0 {
					t.Errorf("anonymous: GET %s: upstream saw X-Forwarded-Email %q", tc.target, v)
				}
			}
		}
	})

	t.Run("public paths add the identity of an allowed session", func(t *testing.T) {
		rawGet(t, g, "/public/x", "Cookie", "gatehouse="+cookies["staff"], "X-Forwarded-User", "admin")
		if v := headerValues(g.Upstream.last(t).Header, "X-Forwarded-User"); len(v) != 1 || v[0] != "staff" {
			t.Errorf("X-Forwarded-User = %q, want [staff]", v)
		}
		rawGet(t, g, "/public/x", "Cookie", "gatehouse="+cookies["hyphen"])
		if v := headerValues(g.Upstream.last(t).Header, "X-Forwarded-User"); len(v) != 0 {
			t.Errorf("a user the policy refuses got identity headers on a public path: %q", v)
		}
	})

	t.Run("denied page for browsers, JSON for APIs", func(t *testing.T) {
		resp := rawGet(t, g, "/admin", "Cookie", "gatehouse="+cookies["staff"], "Accept", "text/html")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 403 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(body), "Access denied") {
			t.Errorf("browser: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		resp = rawGet(t, g, "/admin", "Cookie", "gatehouse="+cookies["staff"], "Accept", "application/json")
		body, _ = io.ReadAll(resp.Body)
		if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/json" ||
			!strings.Contains(string(body), `"forbidden"`) {
			t.Errorf("api: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
}

func TestEmptyPolicyAllowsEveryUser(t *testing.T) {
	g := startGate(t)
	for _, u := range []idp.User{testidp.Alice, testidp.Bob, testidp.Carol} {
		b := newBrowser(t)
		b.login(g, "/", u.Username, u.Password)
		if resp := b.api(g.URL + "/admin"); resp.StatusCode != 200 {
			t.Errorf("%s: GET /admin = %d", u.Username, resp.StatusCode)
		}
	}
}
