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
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// forwardAuthPolicy is methodsPolicy with a webhook limited to 127.0.0.2.
const forwardAuthPolicy = `
authorization:
  public_paths:
    - path: /feed
      methods: [GET]
    - path: /api/hooks
      methods: [POST]
      source_ips: [127.0.0.2]
  rules:
    - path: /reports
      methods: [GET]
      allowed_groups: [admins]
`

// TestPolicyForwardAuthMethod: forward-auth believes X-Original-Method
// (nginx) and X-Forwarded-Method (Traefik) only from trusted_proxies, like
// the original URI. Without a method no method-conditioned public path
// applies, and a method-conditioned rule governs (fail closed). Source
// conditions read the trusted proxy's X-Forwarded-For.
func TestPolicyForwardAuthMethod(t *testing.T) {
	g := startGate(t, withConfigFile(forwardAuthPolicy+"  public_preflight: true\n"), withIDP(testidp.WithUsers(policyUsers...)), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.4", forwardAuthOn))
	staff := newBrowser(t)
	staff.login(g, "/", "staff", "staff-password")
	cookie := "Cookie: gatehouse=" + staff.sessionCookie(g)
	const trusted, untrusted = "127.0.0.4", "127.0.0.3"
	for _, tc := range []struct {
		name, from string
		lines      []string
		want       int
	}{
		{"nginx: GET feed", trusted, []string{"X-Original-URI: /feed", "X-Original-Method: GET"}, http.StatusAccepted},
		{"nginx: HEAD feed", trusted, []string{"X-Original-URI: /feed", "X-Original-Method: HEAD"}, http.StatusAccepted},
		{"nginx: POST feed", trusted, []string{"X-Original-URI: /feed", "X-Original-Method: POST"}, http.StatusUnauthorized},
		{"nginx: lowercase get", trusted, []string{"X-Original-URI: /feed", "X-Original-Method: get"}, http.StatusUnauthorized},
		{"Traefik: GET feed", trusted, []string{"X-Forwarded-Uri: /feed", "X-Forwarded-Method: GET"}, http.StatusAccepted},
		{"no method: unknown", trusted, []string{"X-Original-URI: /feed"}, http.StatusUnauthorized},
		{"untrusted peer naming GET", untrusted, []string{"X-Original-URI: /feed", "X-Original-Method: GET"}, http.StatusUnauthorized},
		{"webhook for the listed client", trusted, []string{"X-Original-URI: /api/hooks", "X-Original-Method: POST", "X-Forwarded-For: 127.0.0.2"}, http.StatusAccepted},
		{"webhook for another client", trusted, []string{"X-Original-URI: /api/hooks", "X-Original-Method: POST", "X-Forwarded-For: 127.0.0.3"}, http.StatusUnauthorized},
		{"webhook without a client address", trusted, []string{"X-Original-URI: /api/hooks", "X-Original-Method: POST"}, http.StatusUnauthorized},
		{"webhook from an untrusted peer", "127.0.0.2", []string{"X-Original-URI: /api/hooks", "X-Original-Method: POST", "X-Forwarded-For: 127.0.0.2"}, http.StatusUnauthorized},
		{"staff: GET reports (rule)", trusted, []string{cookie, "X-Original-URI: /reports", "X-Original-Method: GET"}, http.StatusForbidden},
		{"staff: POST reports (not governed)", trusted, []string{cookie, "X-Original-URI: /reports", "X-Original-Method: POST"}, http.StatusAccepted},
		{"staff: reports, no method (fail closed)", trusted, []string{cookie, "X-Original-URI: /reports"}, http.StatusForbidden},
		{"staff: reports from an untrusted peer naming POST", untrusted, []string{cookie, "X-Original-URI: /reports", "X-Original-Method: POST"}, http.StatusForbidden},
		{"preflight", trusted, []string{"X-Original-URI: /reports", "X-Original-Method: OPTIONS", "Origin: https://spa.example", "Access-Control-Request-Method: PUT"}, http.StatusAccepted},
		{"preflight with a session: no identity", trusted, []string{cookie, "X-Original-URI: /reports", "X-Original-Method: OPTIONS", "Origin: https://spa.example", "Access-Control-Request-Method: PUT"}, http.StatusAccepted},
		{"preflight, method unknown", trusted, []string{"X-Original-URI: /reports", "Origin: https://spa.example", "Access-Control-Request-Method: PUT"}, http.StatusUnauthorized},
		{"preflight from an untrusted peer", untrusted, []string{"X-Original-URI: /reports", "X-Original-Method: OPTIONS", "Origin: https://spa.example", "Access-Control-Request-Method: PUT"}, http.StatusUnauthorized},
	} {
		resp := policyCall(t, g, tc.from, "GET", "/oauth2/auth", "", append([]string{"Accept: application/json"}, tc.lines...)...)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
		if strings.HasPrefix(tc.name, "preflight") && resp.Header.Get("X-Forwarded-User") != "" {
			t.Errorf("%s: the 202 carries an identity", tc.name)
		}
	}
}

// startPolicyNginx runs a real nginx on a free port of 127.0.0.1 in front of
// app, with gatehouse at gateAddr as its auth_request service. The auth
// subrequest names the original method as X-Original-Method and the client
// as X-Forwarded-For; a 401 sends the browser to the login URL gatehouse
// names.
func startPolicyNginx(t *testing.T, gateAddr, appAddr string) string {
	t.Helper()
	bin := nginxBinary(t)
	port := testutil.FreePort(t)
	dir := t.TempDir()
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
		temps.WriteString(name + "_temp_path " + p + ";\n")
	}
	conf := `daemon off;
worker_processes 1;
pid ` + filepath.Join(dir, "nginx.pid") + `;
error_log ` + filepath.Join(dir, "error.log") + ` info;
events { worker_connections 64; }
http {
access_log off;
` + temps.String() + `
server {
    listen 127.0.0.1:` + strconv.Itoa(port) + `;
    location = /oauth2/auth {
        internal;
        proxy_pass http://` + gateAddr + `;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Forwarded-Method "";
        proxy_set_header X-Forwarded-Uri "";
        proxy_set_header X-Forwarded-For $remote_addr;
    }
    location /oauth2/ {
        proxy_pass http://` + gateAddr + `;
        proxy_set_header X-Original-URI "";
        proxy_set_header X-Original-Method "";
        proxy_set_header X-Forwarded-For $remote_addr;
    }
    location / {
        auth_request /oauth2/auth;
        auth_request_set $gatehouse_login $upstream_http_x_gatehouse_login_url;
        auth_request_set $gatehouse_user $upstream_http_x_forwarded_user;
        error_page 401 = @login;
        proxy_set_header X-Forwarded-User $gatehouse_user;
        proxy_pass http://` + appAddr + `;
    }
    location @login {
        return 302 $gatehouse_login;
    }
}
}
`
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
		_ = cmd.Process.Signal(os.Interrupt)
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
	addr := "127.0.0.1:" + strconv.Itoa(port)
	testutil.Eventually(t, "nginx listening", 10*time.Second, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("nginx exited: %v", err)
		default:
		}
		return dialable(addr)
	})
	return "http://" + addr
}

// TestPolicyThroughNginx: through a real nginx whose auth subrequest sends
// X-Original-Method $request_method and X-Forwarded-For $remote_addr, GET
// and HEAD of /feed are public and POST is sent to log in; the webhook
// passes for a client bound to 127.0.0.2 and not for one on 127.0.0.3.
func TestPolicyThroughNginx(t *testing.T) {
	nginxBinary(t)
	app := newRecorder(t, nil)
	gateLn := testutil.Listen(t)
	public := startPolicyNginx(t, gateLn.Addr().String(), strings.TrimPrefix(app.URL, "http://"))
	startGate(t, withFront(gateLn, public), withConfigFile(forwardAuthPolicy), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))
	front := &gate{URL: public}
	for _, tc := range []struct {
		name, from, method, target string
		want                       int
	}{
		{"GET feed", "", "GET", "/feed", http.StatusOK},
		{"HEAD feed", "", "HEAD", "/feed", http.StatusOK},
		{"POST feed", "", "POST", "/feed", http.StatusFound},
		{"DELETE feed", "", "DELETE", "/feed", http.StatusFound},
		{"webhook from 127.0.0.2", "127.0.0.2", "POST", "/api/hooks/x", http.StatusOK},
		{"webhook from 127.0.0.3", "127.0.0.3", "POST", "/api/hooks/x", http.StatusFound},
		{"webhook GET from 127.0.0.2", "127.0.0.2", "GET", "/api/hooks/x", http.StatusFound},
	} {
		before := app.count()
		// The client's own X-Original-Method and X-Forwarded-For are
		// replaced by nginx's.
		resp := policyCall(t, front, tc.from, tc.method, tc.target, "", "X-Original-Method: GET", "X-Forwarded-For: 127.0.0.2")
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
			continue
		}
		if reached := app.count() - before; (tc.want == http.StatusOK) != (reached == 1) {
			t.Errorf("%s: the application got %d requests", tc.name, reached)
		}
		if tc.want == http.StatusFound && !strings.HasPrefix(resp.Header.Get("Location"), public+"/oauth2/start?rd=") {
			t.Errorf("%s: redirected to %q, want the login", tc.name, resp.Header.Get("Location"))
		}
	}
}

func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
