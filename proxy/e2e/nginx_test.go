package e2e

import (
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

// freePort reserves a loopback port for a server that binds it itself.
func freePort(t *testing.T) int {
	t.Helper()
	ln := listen(t)
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// startNginx runs nginx with examples/nginx/gatehouse.conf, its addresses
// replaced by the test's, in a prefix directory of its own.
func startNginx(t *testing.T, port int, gatehouseAddr, appAddr string) {
	t.Helper()
	bin := nginxBinary(t)
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "nginx", "gatehouse.conf"))
	if err != nil {
		t.Fatal(err)
	}
	server := string(example)
	for _, r := range [][2]string{
		{"listen 80;", "listen 127.0.0.1:" + strconv.Itoa(port) + ";"},
		{"http://127.0.0.1:4180", "http://" + gatehouseAddr},
		{"http://127.0.0.1:8080", "http://" + appAddr},
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
	nginxBinary(t)
	app := newRecorder(t, nil)
	gateLn := listen(t)
	port := freePort(t)
	public := "http://127.0.0.1:" + strconv.Itoa(port)
	startNginx(t, port, gateLn.Addr().String(), strings.TrimPrefix(app.URL, "http://"))
	g := startGate(t, withFront(gateLn, public), withConfigFile(policyFile),
		withIDP(testidp.WithUsers(policyUsers...)), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))

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

// rawGetAt is rawGet against any base URL.
func rawGetAt(t *testing.T, base, target string, header ...string) *http.Response {
	t.Helper()
	return rawGet(t, &gate{URL: base}, target, header...)
}
