package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// nginxBinary finds nginx; without it the test skips, or fails under CI=true
// (scripts/test.sh installs nginx-light).
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("nginx not found and CI=true: install nginx-light (scripts/test.sh does)")
	}
	t.Skip("nginx not found: install nginx-light (Debian) to run this test")
	return ""
}

// startNginx runs nginx with examples/nginx/gatehouse.conf (and the
// gatehouse-forwarding.conf it includes), its addresses replaced by the
// test's, in a prefix directory of its own.
func startNginx(t *testing.T, port int, gatehouseAddr, appAddr string) {
	t.Helper()
	bin := nginxBinary(t)
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "nginx", "gatehouse.conf"))
	if err != nil {
		t.Fatal(err)
	}
	forwarding, err := os.ReadFile(filepath.Join("..", "..", "examples", "nginx", "gatehouse-forwarding.conf"))
	if err != nil {
		t.Fatal(err)
	}
	server := string(example)
	for _, r := range [][2]string{
		{"listen 80;", "listen 127.0.0.1:" + strconv.Itoa(port) + ";"},
		{"http://127.0.0.1:4180", "http://" + gatehouseAddr},
		{"http://127.0.0.1:8080", "http://" + appAddr},
		{`default "app.example.com";`, `default "127.0.0.1:` + strconv.Itoa(port) + `";`},
	} {
		if !strings.Contains(server, r[0]) {
			t.Fatalf("examples/nginx/gatehouse.conf no longer contains %q", r[0])
		}
		server = strings.ReplaceAll(server, r[0], r[1])
	}

	dir := t.TempDir()
	// As root, nginx's workers run as nobody: they must be able to use the
	// temp directories.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var temps strings.Builder
	for _, name := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		p := filepath.Join(dir, name)
		if err := os.Mkdir(p, 0o777); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(p, 0o777)
		temps.WriteString("    " + name + "_temp_path " + p + ";\n")
	}
	conf := "daemon off;\nworker_processes 1;\npid " + filepath.Join(dir, "nginx.pid") + ";\n" +
		"error_log " + filepath.Join(dir, "error.log") + " info;\nevents { worker_connections 64; }\n" +
		"http {\n    access_log " + filepath.Join(dir, "access.log") + ";\n" + temps.String() + server + "\n}\n"
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// include resolves relative names against nginx.conf's directory.
	if err := os.WriteFile(filepath.Join(dir, "gatehouse-forwarding.conf"), forwarding, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // fast shutdown
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "error.log")); err == nil {
				t.Logf("nginx error.log:\n%s", b)
			}
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s", err, b)
		default:
		}
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nginx did not listen within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNginxForwardAuth puts a real nginx in front of an application, with
// gatehouse as its auth_request service, configured from examples/nginx.
func TestNginxForwardAuth(t *testing.T) {
	public, app, g := startNginxGate(t)

	b := newBrowser(t)
	resp := b.navigate(public + "/app/page?x=1&y=2")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("unauthenticated: status %d, want 302", resp.StatusCode)
	}
	want := public + "/oauth2/start?rd=%2Fapp%2Fpage%3Fx%3D1%26y%3D2"
	if loc := resp.Header.Get("Location"); loc != want {
		t.Fatalf("redirected to %q, want %q", loc, want)
	}
	if app.count() != 0 {
		t.Fatal("an unauthenticated request reached the application")
	}

	// Log in through nginx (start and callback are proxied to gatehouse).
	if rd := b.login(g, "/app/page?x=1&y=2", "staff", "staff-password"); rd != "/app/page?x=1&y=2" {
		t.Fatalf("after login: redirected to %q", rd)
	}

	resp = sendSpoofed(t, b, http.MethodGet, public+"/app/page")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logged in: status %d", resp.StatusCode)
	}
	got := app.last(t).Header
	if v := headerValues(got, "X-Forwarded-User"); len(v) != 1 || v[0] != "staff" {
		t.Errorf("X-Forwarded-User at the application = %q, want [staff]", v)
	}
	if v := got.Get("X-Forwarded-Email"); v != "Staff@EXAMPLE.GOV" {
		t.Errorf("X-Forwarded-Email = %q", v)
	}
	if v := headerValues(got, "X-Forwarded-Groups"); len(v) != 1 || v[0] != "staff" {
		t.Errorf("X-Forwarded-Groups = %q, want [staff]", v)
	}
	for _, name := range []string{"X-Gatehouse-Assertion", "X-Forwarded-Access-Token", "X-Forwarded-Preferred-Username"} {
		for _, v := range headerValues(got, name) {
			if v == "forged" || v == "admin" {
				t.Errorf("client value of %s reached the application: %q", name, v)
			}
		}
	}

	// Path rules apply to the original URI, after cleaning.
	for _, target := range []string{"/admin", "/public/../admin", "/%61dmin"} {
		if resp := rawGetAt(t, public, target, "Cookie", "gatehouse="+b.sessionCookie(g)); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff: GET %s through nginx = %d, want 403", target, resp.StatusCode)
		}
	}
	// Public paths pass without login, and a spoofed X-Forwarded-Uri does not
	// make a protected path public.
	before := app.count()
	if resp := rawGetAt(t, public, "/public/x", "X-Forwarded-User", "admin"); resp.StatusCode != http.StatusOK {
		t.Errorf("public path: %d", resp.StatusCode)
	} else if v := headerValues(app.last(t).Header, "X-Forwarded-User"); len(v) != 0 {
		t.Errorf("public path: application saw X-Forwarded-User %q", v)
	}
	if resp := rawGetAt(t, public, "/app", "X-Forwarded-Uri", "/public/x", "X-Original-URI", "/public/x", "Accept", "application/json"); resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("spoofed original URI: %d", resp.StatusCode)
	}
	if app.count() != before+1 {
		t.Errorf("application got %d requests, want 1 (the public one)", app.count()-before)
	}
}

// startNginxGate runs an application behind nginx (examples/nginx) with
// gatehouse as its auth service, configured as the example says.
func startNginxGate(t *testing.T) (public string, app *recorder, g *gate) {
	t.Helper()
	nginxBinary(t)
	app = newRecorder(t, nil)
	gateLn := testutil.Listen(t)
	port := testutil.FreePort(t)
	public = "http://127.0.0.1:" + strconv.Itoa(port)
	startNginx(t, port, gateLn.Addr().String(), strings.TrimPrefix(app.URL, "http://"))
	g = startGate(t, withFront(gateLn, public), withConfigFile(policyFile),
		withIDP(testidp.WithUsers(policyUsers...)), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))
	return public, app, g
}

// rawGetAt is rawGet against any base URL.
func rawGetAt(t *testing.T, base, target string, header ...string) *http.Response {
	t.Helper()
	return rawGet(t, &gate{URL: base}, target, header...)
}

// rawGetHost sends a raw GET to base with the Host header host, as a client
// that names another host would.
func rawGetHost(t *testing.T, base, host, target string, header ...string) *http.Response {
	t.Helper()
	return rawRequestHost(t, strings.TrimPrefix(base, "http://"), host, target, header...)
}

// TestNginxExampleRefusesClientForwarding drives, through a real nginx
// configured from examples/nginx, what a client can send to be believed by
// gatehouse or by the application: a chosen original URI, a direct call of
// the forward-auth endpoint, a chosen host, the routing headers PHP
// frameworks read, and whether gatehouse's cookies reach the application.
func TestNginxExampleRefusesClientForwarding(t *testing.T) {
	public, app, g := startNginxGate(t)
	staff := newBrowser(t)
	staff.login(g, "/", "staff", "staff-password")
	session := "gatehouse=" + staff.sessionCookie(g)
	publicHost := strings.TrimPrefix(public, "http://")

	t.Run("client X-Original-URI does not make /admin public", func(t *testing.T) {
		before := app.count()
		spoof := []string{"X-Original-URI", "/public/x", "X-Forwarded-Uri", "/public/x", "X-Original-Url", "/public/x", "Accept", "application/json"}
		// nginx's error_page turns gatehouse's 401 into the redirect to log in.
		if resp := rawGetAt(t, public, "/admin", spoof...); resp.StatusCode != http.StatusFound {
			t.Errorf("anonymous: status %d, want 302 to log in", resp.StatusCode)
		}
		if resp := rawGetAt(t, public, "/admin", append(spoof, "Cookie", session)...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff: status %d, want 403", resp.StatusCode)
		}
		if n := app.count() - before; n != 0 {
			t.Errorf("the application got %d requests for /admin", n)
		}
	})

	t.Run("the forward-auth endpoint is not reachable from outside", func(t *testing.T) {
		for _, target := range []string{"/oauth2/auth", "/oauth2/auth/x", "/oauth2/auth/public/x", "/oauth2/auth/admin",
			"/oauth2//auth/x", "/oauth2/aut%68/x", "/oauth2/auth/?x", "/oauth2/./auth/x"} {
			resp := rawGetAt(t, public, target, "Cookie", session, "X-Original-URI", "/public/x", "Accept", "application/json")
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
			}
			for _, name := range []string{"X-Gatehouse-Assertion", "X-Forwarded-User"} {
				if v := resp.Header.Get(name); v != "" {
					t.Errorf("GET %s: the response carries %s (%d bytes)", target, name, len(v))
				}
			}
		}
	})

	t.Run("client host and forwarding headers never reach the application", func(t *testing.T) {
		spoofed := [][2]string{
			{"X-Forwarded-Host", "evil.example"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Port", "8443"},
			{"X-Forwarded-Prefix", "/admin"}, {"X-Forwarded-Server", "evil.example"}, {"X-Forwarded-Ssl", "on"},
			{"X-Forwarded-Scheme", "https"}, {"X-Forwarded-For", "192.0.2.66"}, {"Forwarded", "for=192.0.2.66;host=evil.example"},
			{"X-Real-IP", "192.0.2.66"}, {"X-Original-URL", "/admin"}, {"X-Original-Host", "evil.example"},
			{"X-Original-URI", "/admin"}, {"X-Rewrite-Url", "/admin"}, {"X-Host", "evil.example"},
			{"X-Url-Scheme", "https"}, {"Front-End-Https", "on"}, {"Client-IP", "192.0.2.66"},
			{"X-Client-IP", "192.0.2.66"}, {"True-Client-IP", "192.0.2.66"}, {"X-Cluster-Client-IP", "192.0.2.66"},
			{"CF-Connecting-IP", "192.0.2.66"}, {"X-HTTP-Method-Override", "DELETE"}, {"X-Method-Override", "DELETE"},
			{"X-Forwarded-User", "admin"}, {"X-Gatehouse-Assertion", "forged"}, {"X-Forwarded-Access-Token", "forged"},
			{"Remote-User", "admin"}, {"X-Auth-Request-User", "admin"}, {"X-Request-Id", "forged"},
		}
		header := []string{"Cookie", session}
		for _, h := range spoofed {
			header = append(header, h[0], h[1])
		}
		before := app.count()
		if resp := rawGetHost(t, public, "evil.example", "/app/page", header...); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
		if app.count() != before+1 {
			t.Fatal("the request did not reach the application")
		}
		got := app.last(t)
		if got.Host != publicHost {
			t.Errorf("Host at the application = %q, want %q", got.Host, publicHost)
		}
		want := map[string]string{
			"X-Forwarded-Host": publicHost, "X-Forwarded-Proto": "http", "X-Forwarded-For": "127.0.0.1",
			"X-Real-Ip": "127.0.0.1", "X-Forwarded-User": "staff",
		}
		for _, h := range spoofed {
			name := http.CanonicalHeaderKey(h[0])
			values := headerValues(got.Header, name)
			if w, ok := want[name]; ok {
				if len(values) != 1 || values[0] != w {
					t.Errorf("%s at the application = %q, want [%s]", name, values, w)
				}
				continue
			}
			for _, v := range values {
				if v == h[1] {
					t.Errorf("the client's %s: %s reached the application", h[0], v)
				}
			}
			if name != "X-Gatehouse-Assertion" && name != "X-Request-Id" && len(values) != 0 {
				t.Errorf("%s at the application = %q, want none", name, values)
			}
		}
	})

	t.Run("gatehouse cookies never reach the application", func(t *testing.T) {
		cookies := []string{
			"app=1; " + session + "; gatehouse-signed-out=x; other=2",
			session + "; app=1; gatehouse-login-0a1b2c3d=y; other=2",
			"gatehouse-login-00000001=a; gatehouse-login-00000002=b; app=1; gatehouse-login-00000003=c; gatehouse-login-00000004=d; " +
				"gatehouse-signed-out=e; __Host-gatehouse=f; other=2; " + session,
		}
		for _, c := range cookies {
			if resp := rawGetAt(t, public, "/app/page", "Cookie", c); resp.StatusCode != http.StatusOK {
				t.Fatalf("Cookie %q: status %d", c, resp.StatusCode)
			}
			if got := headerValues(app.last(t).Header, "Cookie"); len(got) != 1 || got[0] != "app=1; other=2" {
				t.Errorf("cookies at the application: %q, want [app other]", cookieNames(got))
			}
		}
		// Only gatehouse's cookies: the application gets no Cookie header.
		if resp := rawGetAt(t, public, "/app/page", "Cookie", session); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := headerValues(app.last(t).Header, "Cookie"); len(got) != 0 {
			t.Errorf("cookies at the application: %q, want none", cookieNames(got))
		}
		// More gatehouse cookies than the example removes: refused, not leaked.
		before := app.count()
		many := session
		for i := range 9 {
			many += fmt.Sprintf("; gatehouse-login-%08d=x", i)
		}
		if resp := rawGetAt(t, public, "/app/page", "Cookie", many); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("ten gatehouse cookies: status %d, want 400", resp.StatusCode)
		}
		if app.count() != before {
			t.Error("a request with ten gatehouse cookies reached the application")
		}
	})
}

// cookieNames lists the cookie names in Cookie lines: failures name the
// cookies, never print a session value.
func cookieNames(lines []string) []string {
	var names []string
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			names = append(names, name)
		}
	}
	return names
}
