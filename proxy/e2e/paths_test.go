package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestDotSegmentWithParametersIsRefused: Tomcat and Jetty read
// "/public/..;/admin" as "/admin" (parameters dropped, then ".." resolved), so
// gatehouse must not read it as a public path. Sent on raw request lines, as
// written, anonymously and with a session that the admin rule refuses.
func TestDotSegmentWithParametersIsRefused(t *testing.T) {
	g := startGate(t, withConfigFile(`
authorization:
  public_paths: [/public]
  rules:
    - path: /admin
      allowed_groups: [admins]
`))
	b := newBrowser(t)
	b.login(g, "/", testidp.Bob.Username, testidp.Bob.Password) // staff, not admins
	bob := "gatehouse=" + b.sessionCookie(g)

	targets := []string{
		"/public/..;/admin", "/public/.;/admin", "/public/%2e%2e;/admin", "/public/..;x/admin",
		"/public/.%2e;x/admin", "/public/%2E%2E;/admin", "/public/..%3b/admin", "/public/;/../admin",
		"/public/..;/admin?x=1",
	}
	for _, target := range targets {
		for _, cookie := range []string{"", bob} {
			before := g.Upstream.count()
			header := []string{"Accept", "application/json"}
			if cookie != "" {
				header = append(header, "Cookie", cookie)
			}
			resp := rawGet(t, g, target, header...)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %s (session %v): %d, want 400", target, cookie != "", resp.StatusCode)
			}
			if g.Upstream.count() != before {
				t.Errorf("GET %s (session %v) reached the upstream", target, cookie != "")
			}
		}
	}
	// Ordinary path parameters still work and still meet the rules.
	if resp := rawGet(t, g, "/public;v=1", "Accept", "application/json"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /public;v=1: %d, want 200", resp.StatusCode)
	}
	if resp := rawGet(t, g, "/admin;jsessionid=x", "Cookie", bob, "Accept", "application/json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /admin;jsessionid=x as bob: %d, want 403", resp.StatusCode)
	}
}

// frontControllerPHP routes like Yii2 and Laravel do: PATH_INFO when the
// request named the script ("/index.php/admin"), else the request path
// ("/admin", php -S falling back to index.php). Each routed request is
// appended to routes.log, so the test sees what the app actually served.
const frontControllerPHP = `<?php
$route = isset($_SERVER['PATH_INFO']) && $_SERVER['PATH_INFO'] !== ''
    ? $_SERVER['PATH_INFO']
    : parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$route = trim($route, '/');
file_put_contents(__DIR__ . '/routes.log', $route . "\n", FILE_APPEND | LOCK_EX);
header('Content-Type: text/plain');
switch (explode('/', $route)[0]) {
case 'admin':
    echo "ADMIN PAGE for ", $_SERVER['HTTP_X_FORWARDED_USER'] ?? 'nobody';
    break;
case 'public-thing':
    echo "PUBLIC THING";
    break;
default:
    echo "HOME";
}
`

// startFrontController serves frontControllerPHP with the real `php -S` and
// returns its URL and a function listing the routes it served.
func startFrontController(t *testing.T) (string, func() []string) {
	t.Helper()
	docroot := t.TempDir()
	if err := os.WriteFile(filepath.Join(docroot, "index.php"), []byte(frontControllerPHP), 0o600); err != nil {
		t.Fatal(err)
	}
	routes := func() []string {
		b, _ := os.ReadFile(filepath.Join(docroot, "routes.log"))
		return strings.Fields(string(b))
	}
	return servePHP(t, docroot, "").URL, routes
}

// TestScriptPrefixesOverHTTP: a PHP front controller serves "/admin" also as
// "/index.php/admin"; with authorization.script_prefixes one rule covers both
// spellings, and the upstream still gets the path as sent.
func TestScriptPrefixesOverHTTP(t *testing.T) {
	appURL, routes := startFrontController(t)
	g := startGate(t, withEnv("GATEHOUSE_UPSTREAM_URL="+appURL), withConfigFile(`
authorization:
  script_prefixes: [/index.php]
  public_paths: [/public-thing]
  rules:
    - path: /admin
      allowed_groups: [admins]
`))
	bobB, aliceB := newBrowser(t), newBrowser(t)
	bobB.login(g, "/", testidp.Bob.Username, testidp.Bob.Password) // staff only
	aliceB.loginAlice(g)                                           // admins
	bob, alice := "gatehouse="+bobB.sessionCookie(g), "gatehouse="+aliceB.sessionCookie(g)

	for _, target := range []string{"/index.php/admin", "/index.php/admin/users", "/admin", "/INDEX.PHP/admin", "/index.php//admin"} {
		resp := rawGet(t, g, target, "Cookie", bob, "Accept", "application/json")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("bob: GET %s = %d, want 403", target, resp.StatusCode)
		}
		if resp := rawGet(t, g, target, "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous: GET %s = %d, want 401", target, resp.StatusCode)
		}
	}
	for _, r := range routes() {
		if strings.HasPrefix(r, "admin") {
			t.Fatalf("the app served %q to bob or an anonymous client; routes: %q", r, routes())
		}
	}

	// The same spelling does reach the admin page for a member of admins:
	// the front controller really routes it there, with the path as sent.
	resp := rawGet(t, g, "/index.php/admin", "Cookie", alice)
	if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != "ADMIN PAGE for "+testidp.Alice.ID {
		t.Fatalf("alice: GET /index.php/admin = %d %q", resp.StatusCode, body)
	}
	if got := routes(); len(got) != 1 || got[0] != "admin" {
		t.Fatalf("routes served: %q, want [admin]", got)
	}

	// /index.php/public-thing is public because /public-thing is.
	for _, target := range []string{"/index.php/public-thing", "/public-thing", "/index.php/public-thing/x"} {
		resp := rawGet(t, g, target, "Accept", "application/json")
		if body := readAll(t, resp); resp.StatusCode != http.StatusOK || body != "PUBLIC THING" {
			t.Errorf("anonymous: GET %s = %d %q, want 200 PUBLIC THING", target, resp.StatusCode, body)
		}
	}
	// The script alone is "/", which is not public here.
	if resp := rawGet(t, g, "/index.php", "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: GET /index.php = %d, want 401", resp.StatusCode)
	}
}

// TestForwardAuthRefusesDotSegmentWithParameters: behind nginx or Traefik the
// original URI comes from the (trusted) proxy; "/public/..;/admin" there is
// refused too, never answered 202 as a public path.
func TestForwardAuthRefusesDotSegmentWithParameters(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn), withConfigFile(`
authorization:
  public_paths: [/public]
`))
	for _, uri := range []string{"/public/..;/admin", "/public/%2e%2e;/admin", "/public/.;x/admin"} {
		resp := rawGet(t, g, "/oauth2/auth", "X-Forwarded-Uri", uri, "Accept", "application/json")
		if resp.StatusCode == http.StatusAccepted {
			t.Errorf("forward-auth for %s: 202, want a refusal", uri)
		}
		if resp.Header.Get("X-Gatehouse-Assertion") != "" {
			t.Errorf("forward-auth for %s answered with an assertion", uri)
		}
	}
	if resp := rawGet(t, g, "/oauth2/auth", "X-Forwarded-Uri", "/public/x"); resp.StatusCode != http.StatusAccepted {
		t.Errorf("forward-auth for /public/x: %d, want 202", resp.StatusCode)
	}
}
