package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad: Load never panics, and every error it returns names the key it
// is about (or the config file itself, when that cannot be parsed).
func FuzzLoad(f *testing.F) {
	example, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(example), "")
	f.Add("public_url: https://app.example.com\nupstream: {url: http://127.0.0.1:8080}\n", "GATEHOUSE_SESSION_STORE=memory")
	f.Add("oidc:\n  scopes: openid\n  clock_skew: soon\n", "GATEHOUSE_SERVER_MAX_HEADER_BYTES=-1")
	f.Add("identity:\n  headers:\n    X-User: sub\n    'bad name': email\n", "GATEHOUSE_IDENTITY_HEADERS=x")
	f.Add("authorization:\n  rules:\n    - path: /admin\n      allowed_groups: [admins]\n  public_paths: ['^/(']\n", "")
	f.Add("session: [1, 2]\n", "GATEHOUSE_COOKIE_SECRETS=short")
	f.Add("a: &a [*a]\n", "")
	f.Add("public_url: !!binary AAAA\n", "GATEHOUSE_TRUSTED_PROXIES=10.0.0.0/33 ,")
	f.Fuzz(func(t *testing.T, yaml, envLines string) {
		// Keep the run hermetic: no device, proc or absolute files named by
		// *_file keys (a FIFO would block).
		for _, s := range []string{"/dev", "/proc", "/sys", "_file"} {
			if strings.Contains(yaml, s) || strings.Contains(envLines, s) {
				return
			}
		}
		path := filepath.Join(t.TempDir(), "gatehouse.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		env := []string{
			"GATEHOUSE_PUBLIC_URL=https://app.example.com",
			"GATEHOUSE_UPSTREAM_URL=http://127.0.0.1:8080",
			"GATEHOUSE_OIDC_ISSUER=https://idp.example.com",
			"GATEHOUSE_OIDC_CLIENT_ID=gatehouse",
			"GATEHOUSE_OIDC_CLIENT_SECRET=secret",
			"GATEHOUSE_COOKIE_SECRETS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		}
		env = append(env, strings.Split(envLines, "\n")...)
		_, err := Load(path, env)
		if err == nil {
			return
		}
		for _, e := range flatten(err) {
			var fe *FieldError
			if errors.As(e, &fe) {
				if fe.Key == "" || strings.HasPrefix(fe.Key, ".") || fe.Problem == "" {
					t.Fatalf("error without a key or problem: %q", e)
				}
				continue
			}
			if !strings.HasPrefix(e.Error(), "config file") {
				t.Fatalf("error names neither a key nor the config file: %q", e)
			}
		}
	})
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
