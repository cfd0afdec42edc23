package main

import (
	"bytes"
	"encoding/base64"
	"net"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// checkEnv is a complete config for the memory store, plus extra.
func checkEnv(extra ...string) []string {
	return append([]string{
		"GATEHOUSE_PUBLIC_URL=https://app.example.com",
		"GATEHOUSE_UPSTREAM_URL=http://127.0.0.1:8080",
		"GATEHOUSE_OIDC_ISSUER=https://idp.example.com",
		"GATEHOUSE_OIDC_CLIENT_ID=gatehouse",
		"GATEHOUSE_OIDC_CLIENT_SECRET=s3cr3t-value",
		"GATEHOUSE_COOKIE_SECRETS=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 36)),
		"GATEHOUSE_SESSION_STORE=memory",
	}, extra...)
}

type checkCase struct {
	name     string
	args     []string
	env      []string
	wantCode int
	want     []string // each in stdout+stderr
	dontWant []string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"check-config"}, tc.args...), tc.env, &stdout, &stderr)
			all := stdout.String() + stderr.String()
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.wantCode, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, w := range append(tc.dontWant, "s3cr3t-value") {
				if strings.Contains(all, w) {
					t.Errorf("output has %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestCheckConfigWarnings(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "clean", env: checkEnv(), want: []string{"ok"}, dontWant: []string{"warning"}},
		{name: "typo in a variable fails", env: checkEnv("GATEHOUSE_SESION_STORE=redis"), wantCode: 1,
			want:     []string{"config error: GATEHOUSE_SESION_STORE: is not a gatehouse setting and is ignored; did you mean GATEHOUSE_SESSION_STORE (key session.store)?"},
			dontWant: []string{"ok\n"}},
		{name: "Kubernetes service variables are not settings", env: checkEnv("GATEHOUSE_SERVICE_HOST=10.0.0.1", "GATEHOUSE_PORT_4180_TCP=tcp://10.0.0.1:4180"),
			want: []string{"ok"}},
		{name: "warning without strict passes", env: checkEnv("GATEHOUSE_TRUSTED_PROXIES=0.0.0.0/0"),
			want: []string{"config warning: trusted_proxies[0]: 0.0.0.0/0 trusts every address", "ok"}},
		{name: "warning with strict fails", args: []string{"--strict"}, env: checkEnv("GATEHOUSE_TRUSTED_PROXIES=0.0.0.0/0"), wantCode: 1,
			want: []string{"config warning: trusted_proxies[0]:"}, dontWant: []string{"ok\n"}},
		{name: "http public_url with strict fails", args: []string{"--strict"}, env: checkEnv("GATEHOUSE_PUBLIC_URL=http://app.example.com"), wantCode: 1,
			want: []string{`config warning: public_url: "http://app.example.com" is http on a host other than this machine`}},
		{name: "bearer audience with strict fails", args: []string{"--strict"},
			env: checkEnv("GATEHOUSE_BEARER_ENABLED=true", "GATEHOUSE_BEARER_AUDIENCES=gatehouse"), wantCode: 1,
			want: []string{`config warning: bearer.audiences: contains oidc.client_id "gatehouse"`}},
	})
}

// TestCheckConfigOnline runs --online against a real redis-server and the
// test provider: each failure is named by the key to fix.
func TestCheckConfigOnline(t *testing.T) {
	idp := testidp.Start(t, []string{"https://app.example.com/oauth2/callback"})
	up := redistest.Start(t)
	down := redistest.Start(t)
	down.Stop()
	online := func(issuer, redisAddr string) []string {
		return checkEnv("GATEHOUSE_OIDC_ISSUER="+issuer, "GATEHOUSE_SESSION_STORE=redis",
			"GATEHOUSE_SESSION_REDIS_ADDRESSES="+redisAddr, "GATEHOUSE_SESSION_REDIS_TIMEOUT=1s")
	}
	runCheckCases(t, []checkCase{
		{name: "all reachable", args: []string{"--online"}, env: online(idp.Issuer, up.Addr()), want: []string{"ok"}},
		{name: "offline check does not notice", env: online(idp.Issuer+"/", down.Addr()), want: []string{"ok"}},
		{name: "wrong issuer", args: []string{"--online"}, env: online(idp.Issuer+"/", up.Addr()), wantCode: 1,
			want:     []string{`check failed: oidc.issuer: discovery at ` + idp.Issuer + `/.well-known/openid-configuration says issuer "` + idp.Issuer + `", but oidc.issuer is "` + idp.Issuer + `/": they must match exactly, trailing slash included`},
			dontWant: []string{"ok\n", "session.redis"}},
		{name: "stopped redis", args: []string{"--online"}, env: online(idp.Issuer, down.Addr()), wantCode: 1,
			want:     []string{"check failed: session.redis.addresses: " + down.Addr() + " is unreachable:"},
			dontWant: []string{"ok\n", "oidc.issuer"}},
		{name: "provider unreachable", args: []string{"--online"}, env: online("http://"+down.Addr(), up.Addr()), wantCode: 1,
			want: []string{"check failed: oidc.issuer: discovery at http://" + down.Addr() + "/.well-known/openid-configuration is unreachable:"}},
	})
}

// TestServeWarnsAtStart runs `gatehouse serve` itself: the warnings are in
// its log before it starts listening (here on a port that is taken, so that
// it stops by itself).
func TestServeWarnsAtStart(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := checkEnv("GATEHOUSE_SESION_STORE=redis", "GATEHOUSE_TRUSTED_PROXIES=0.0.0.0/0",
		"GATEHOUSE_LISTEN="+taken.Addr().String(), "GATEHOUSE_OPS_LISTEN=127.0.0.1:0")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve"}, env, &stdout, &stderr); code != 1 {
		t.Fatalf("serve on a taken port: exit %d, want 1\n%s", code, stderr.String())
	}
	for _, want := range []string{
		`"msg":"unknown environment variable ignored","variable":"GATEHOUSE_SESION_STORE","problem":"is not a gatehouse setting and is ignored; did you mean GATEHOUSE_SESSION_STORE (key session.store)?"`,
		`"msg":"risky configuration","key":"trusted_proxies[0]"`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve's log lacks %s:\n%s", want, stderr.String())
		}
	}
}
