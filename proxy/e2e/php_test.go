package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// phpApp is examples/php served by the real `php -S`.
type phpApp struct{ URL string }

// requirePHP finds the php CLI: with CI=true a missing one fails the test,
// otherwise it is skipped (scripts/test.sh installs php-cli).
func requirePHP(t *testing.T) string {
	t.Helper()
	php, err := exec.LookPath("php")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("php is not installed (Debian package php-cli); CI=true requires it")
		}
		t.Skip("php is not installed (Debian package php-cli): skipping the PHP verifier test")
	}
	return php
}

// startPHP serves examples/php on a free 127.0.0.1 port with env. The
// expected audience is PHP's own URL: gatehouse's default audience is
// upstream.url.
func startPHP(t *testing.T, env ...string) *phpApp {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	docroot := filepath.Join(filepath.Dir(file), "..", "..", "examples", "php")
	env = append(env, "GATEHOUSE_JWKS_CACHE="+filepath.Join(t.TempDir(), "jwks.json"))
	return servePHP(t, docroot, "", env...)
}

// servePHP runs `php -S` on a free 127.0.0.1 port for docroot, with router
// (a script every request goes through) unless it is "".
func servePHP(t *testing.T, docroot, router string, env ...string) *phpApp {
	t.Helper()
	php := requirePHP(t)

	// php -S cannot take a listener, so a free port is picked and the start is
	// retried if another process takes it meanwhile.
	for attempt := 0; attempt < 3; attempt++ {
		ln := testutil.Listen(t)
		addr := ln.Addr().String()
		_ = ln.Close()
		args := []string{"-n", "-S", addr, "-t", docroot}
		if router != "" {
			args = append(args, router)
		}
		cmd := exec.Command(php, args...)
		cmd.Env = append(append(os.Environ(), env...), "GATEHOUSE_AUDIENCE=http://"+addr)
		cmd.Stdout, cmd.Stderr = &testWriter{t}, &testWriter{t}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start php: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() { _ = cmd.Process.Kill(); <-exited }
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			select {
			case <-exited:
				goto retry
			default:
			}
			if c, err := net.Dial("tcp", addr); err == nil {
				_ = c.Close()
				t.Cleanup(stop)
				return &phpApp{URL: "http://" + addr}
			}
		}
		stop()
		t.Fatal("php -S did not start listening within 5s")
	retry:
	}
	t.Fatal("php -S could not bind a free port")
	return nil
}

// testWriter forwards php's own output (access log, errors) to the test log.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("php: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// phpBehindGate starts PHP and then gatehouse in front of it; PHP trusts
// gatehouse's issuer and JWKS (or secret) and expects aud = PHP's own URL.
func phpBehindGate(t *testing.T, gateEnv []string, phpEnv ...string) (*gate, *phpApp) {
	t.Helper()
	ln := testutil.Listen(t)
	gateURL := "http://" + ln.Addr().String()
	app := startPHP(t, append([]string{
		"GATEHOUSE_ISSUER=" + gateURL,
		"GATEHOUSE_JWKS_URL=" + gateURL + "/oauth2/jwks.json",
	}, phpEnv...)...)
	g := startGate(t, withListener(ln), withEnv(append(gateEnv, "GATEHOUSE_UPSTREAM_URL="+app.URL)...))
	return g, app
}

type phpIdentity struct {
	Sub, Email, Name, Sid, Error, Reason string
	Groups                               []string
	PreferredUsername                    string `json:"preferred_username"`
}

func decodePHP(t *testing.T, resp *http.Response) phpIdentity {
	t.Helper()
	var id phpIdentity
	if err := json.NewDecoder(resp.Body).Decode(&id); err != nil {
		t.Fatalf("PHP answered %d with no JSON: %v", resp.StatusCode, err)
	}
	return id
}

func TestPHPVerifierBehindGatehouse(t *testing.T) {
	esKeys, esPEM := newKeys(t, keys.ES256)
	_, edPEM := newKeys(t, keys.EdDSA)
	const hmacSecret = "php-and-gatehouse-share-this-secret-0123456789"

	cases := []struct {
		name    string
		gateEnv []string
		phpEnv  []string
	}{
		{"ES256", []string{"GATEHOUSE_IDENTITY_ASSERTION_KEYS=" + esPEM}, nil},
		{"EdDSA", []string{"GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM=EdDSA", "GATEHOUSE_IDENTITY_ASSERTION_KEYS=" + edPEM}, nil},
		{"HS256", []string{"GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM=HS256", "GATEHOUSE_IDENTITY_ASSERTION_HMAC_SECRET=" + hmacSecret},
			[]string{"GATEHOUSE_HMAC_SECRET=" + hmacSecret}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, app := phpBehindGate(t, tc.gateEnv, tc.phpEnv...)
			b := newBrowser(t)
			b.loginAlice(g)
			resp := b.api(g.URL + "/whoami")
			id := decodePHP(t, resp)
			if resp.StatusCode != http.StatusOK || id.Sub != testidp.Alice.ID || id.Email != testidp.Alice.Email ||
				strings.Join(id.Groups, ",") != "admins,staff" || id.Sid == "" {
				t.Fatalf("PHP behind gatehouse: status %d, identity %+v", resp.StatusCode, id)
			}
			if tc.name == "HS256" {
				// The shared secret is never published, in any encoding.
				jwks := readAll(t, b.api(g.URL+"/oauth2/jwks.json"))
				for _, leak := range []string{`"oct"`, hmacSecret, base64.RawURLEncoding.EncodeToString([]byte(hmacSecret))} {
					if strings.Contains(jwks, leak) {
						t.Fatalf("the JWKS publishes the HS256 secret (%q): %s", leak, jwks)
					}
				}
			}

			// Straight to PHP, past gatehouse: no or forged assertions get 401.
			direct := func(assertion string) (int, string) {
				req, _ := http.NewRequest(http.MethodGet, app.URL+"/", nil)
				if assertion != "" {
					req.Header.Set("X-Gatehouse-Assertion", assertion)
				}
				resp := newBrowser(t).do(req)
				return resp.StatusCode, decodePHP(t, resp).Reason
			}
			if code, reason := direct(""); code != http.StatusUnauthorized || reason != "no assertion" {
				t.Errorf("no assertion: %d %q", code, reason)
			}
			header := `{"alg":"none","typ":"JWT"}`
			claims := fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"mallory","iat":%d,"exp":%d}`, g.URL, app.URL, time.Now().Unix(), time.Now().Add(time.Hour).Unix())
			enc := base64.RawURLEncoding.EncodeToString
			if code, _ := direct(enc([]byte(header)) + "." + enc([]byte(claims)) + "."); code != http.StatusUnauthorized {
				t.Errorf("alg none: %d", code)
			}
			forgedHMAC := func(alg, secret string) string {
				in := enc([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + "." + enc([]byte(claims))
				m := hmac.New(sha256.New, []byte(secret))
				m.Write([]byte(in))
				return in + "." + enc(m.Sum(nil))
			}
			if code, _ := direct(forgedHMAC("HS256", "a-guessed-secret-that-is-not-gatehouses-0000")); code != http.StatusUnauthorized {
				t.Errorf("HS256 with a wrong secret: %d", code)
			}
		})
	}

	t.Run("forged and expired ES256", func(t *testing.T) {
		g, app := phpBehindGate(t, []string{"GATEHOUSE_IDENTITY_ASSERTION_KEYS=" + esPEM})
		// An assertion made with gatehouse's own key, as a replay would carry
		// it: once valid, then past exp (+ the verifier's 30s leeway).
		signer, err := identity.NewSigner(keys.ES256, esKeys, nil)
		if err != nil {
			t.Fatal(err)
		}
		mint := func(at time.Time, aud string) string {
			a, err := identity.NewAsserter(identity.AssertionOptions{Signer: signer, Issuer: g.URL, Audience: aud,
				TTL: 5 * time.Minute, Header: "X-Gatehouse-Assertion", MaxBytes: 8192, Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := a.Assertion(&session.Session{ID: "s", Subject: "bob-id", Email: "bob@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		direct := func(assertion string) (int, phpIdentity) {
			req, _ := http.NewRequest(http.MethodGet, app.URL+"/", nil)
			req.Header.Set("X-Gatehouse-Assertion", assertion)
			resp := newBrowser(t).do(req)
			return resp.StatusCode, decodePHP(t, resp)
		}
		fresh := mint(time.Now(), app.URL)
		if code, id := direct(fresh); code != http.StatusOK || id.Sub != "bob-id" {
			t.Fatalf("a fresh assertion signed with gatehouse's key: %d %+v", code, id)
		}
		if code, id := direct(mint(time.Now().Add(-6*time.Minute), app.URL)); code != http.StatusUnauthorized || id.Reason != "expired" {
			t.Errorf("replayed after expiry: %d %q", code, id.Reason)
		}
		if code, id := direct(mint(time.Now(), "http://another-app")); code != http.StatusUnauthorized || id.Reason != "wrong audience" {
			t.Errorf("other audience: %d %q", code, id.Reason)
		}
		parts := strings.Split(fresh, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		forged := strings.Replace(string(payload), "bob-id", "alice-id", 1)
		if code, id := direct(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]); code != http.StatusUnauthorized || id.Reason != "bad signature" {
			t.Errorf("forged subject: %d %q", code, id.Reason)
		}
		// HS256 signed with the public key, the classic algorithm confusion.
		jwks, _ := json.Marshal(esKeys[0].JWK())
		in := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"`+esKeys[0].KID+`"}`)) + "." + parts[1]
		m := hmac.New(sha256.New, jwks)
		m.Write([]byte(in))
		if code, id := direct(in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))); code != http.StatusUnauthorized || id.Reason != "algorithm not allowed" {
			t.Errorf("HS256 with the public key: %d %q", code, id.Reason)
		}
	})
}
