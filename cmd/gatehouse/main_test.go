package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", `
public_url: https://app.example.com
upstream: {url: "http://127.0.0.1:8080"}
oidc: {issuer: "https://idp.example.com", client_id: gatehouse}
`)
	bad := write("bad.yaml", `
public_url: "ftp://app.example.com"
upstream: {url: "http://127.0.0.1:8080"}
oidc: {issuer: "https://idp.example.com", client_id: gatehouse, clock_skew: soon}
session: {idle_timeout: abc, stroe: redis}
`)
	secrets := []string{"GATEHOUSE_OIDC_CLIENT_SECRET=s3cr3t-value", "GATEHOUSE_COOKIE_SECRETS=" + strings.Repeat("QUJD", 12)}

	cases := []struct {
		name     string
		args     []string
		env      []string
		wantCode int
		want     []string // in stdout+stderr
	}{
		{"valid", []string{"check-config", "--config", good}, secrets, 0, []string{"ok"}},
		{"every error named", []string{"check-config", "--config", bad}, secrets, 1,
			[]string{"public_url:", "oidc.clock_skew:", "session.idle_timeout:", "session.stroe: unknown key"}},
		{"missing secrets named", []string{"check-config", "--config", good}, nil, 1,
			[]string{"oidc.client_secret:", "cookie.secrets:"}},
		{"missing file", []string{"check-config", "--config", filepath.Join(dir, "nope.yaml")}, secrets, 1, []string{"nope.yaml"}},
		{"unknown command", []string{"frobnicate"}, nil, 2, []string{`unknown command "frobnicate"`}},
		{"version", []string{"version"}, nil, 0, []string{"gatehouse dev"}},
		{"nothing at all: the commands and how to start", nil, nil, 2,
			[]string{"usage: gatehouse <command>", "check-config --config FILE", "run `gatehouse demo`"}},
		{"--help: the commands", []string{"--help"}, nil, 0, []string{"usage: gatehouse <command>", "sessions revoke"}},
		{"-h: the commands", []string{"-h"}, nil, 0, []string{"usage: gatehouse <command>", "keys generate"}},
		{"help: the commands", []string{"help"}, nil, 0, []string{"usage: gatehouse <command>"}},
		{"serve with nothing configured: the errors and how to start", []string{"serve"}, nil, 1,
			[]string{"public_url: is required", "run `gatehouse demo`"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, tc.env, &stdout, &stderr)
			all := stdout.String() + stderr.String()
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.wantCode, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, "s3cr3t-value") {
				t.Error("output contains the client secret")
			}
		})
	}
}

// TestKeysGenerate checks that the printed key is accepted by the config as
// identity.assertion.keys for its algorithm.
func TestKeysGenerate(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA", "eddsa"} {
		t.Run(alg, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{"keys", "generate", "--alg", alg}, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "-----BEGIN PRIVATE KEY-----\n") {
				t.Fatalf("not a PKCS#8 PEM key:\n%s", stdout.String())
			}
			env := []string{
				"GATEHOUSE_PUBLIC_URL=https://app.example.com", "GATEHOUSE_UPSTREAM_URL=http://127.0.0.1:8080",
				"GATEHOUSE_OIDC_ISSUER=https://idp.example.com", "GATEHOUSE_OIDC_CLIENT_ID=gatehouse",
				"GATEHOUSE_OIDC_CLIENT_SECRET=s3cr3t-value", "GATEHOUSE_COOKIE_SECRETS=" + strings.Repeat("QUJD", 12),
				"GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM=" + alg, "GATEHOUSE_IDENTITY_ASSERTION_KEYS=" + stdout.String(),
			}
			var out, errOut bytes.Buffer
			if code := run([]string{"check-config"}, env, &out, &errOut); code != 0 {
				t.Errorf("check-config refused the generated key: %s", errOut.String())
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"keys", "generate", "--alg", "RS256"}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "RS256") {
		t.Errorf("RS256: exit %d, stderr %q", code, stderr.String())
	}
}

// TestNoArgumentsServesWhenTheEnvironmentConfigures: containers configured
// by GATEHOUSE_* variables alone run a bare `gatehouse` as serve, so their
// config errors appear, without the hint for someone who configured nothing.
func TestNoArgumentsServesWhenTheEnvironmentConfigures(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(nil, []string{"GATEHOUSE_PUBLIC_URL=https://app.example.com", "GATEHOUSE_UNRELATED_EMPTY="}, &stdout, &stderr)
	all := stdout.String() + stderr.String()
	if code != 1 || !strings.Contains(all, "upstream.url: is required") {
		t.Fatalf("exit %d, want 1 with serve's config errors; output:\n%s", code, all)
	}
	if strings.Contains(all, "usage:") || strings.Contains(all, "nothing is configured") {
		t.Errorf("configured by the environment, yet told how to start:\n%s", all)
	}
}
