package config

import (
	"reflect"
	"testing"
)

func TestAllowedHosts(t *testing.T) {
	cases := []struct {
		name      string
		publicURL string
		yaml      string
		env       string // GATEHOUSE_SERVER_ALLOWED_HOSTS
		want      []string
		errs      []string // each one whole line of the error
	}{
		{name: "default is public_url's host", publicURL: "https://App.Example.com", want: []string{"app.example.com"}},
		{name: "default keeps public_url's port", publicURL: "http://127.0.0.1:4180", want: []string{"127.0.0.1:4180"}},
		{name: "default for an IPv6 public_url", publicURL: "http://[::1]:4180", want: []string{"[::1]:4180"}},
		{name: "list from the file, lower-cased", publicURL: "https://app.example.com",
			yaml: "server:\n  allowed_hosts: [App.Example.com, WWW.example.com:8443]\n",
			want: []string{"app.example.com", "www.example.com:8443"}},
		{name: "list from the environment", publicURL: "https://app.example.com",
			env: "app.example.com, alias.example.com", want: []string{"app.example.com", "alias.example.com"}},
		{name: "scheme, path, wildcard and empty port refused", publicURL: "https://app.example.com",
			yaml: "server:\n  allowed_hosts: [\"https://a.example.com\", \"a.example.com/x\", \"*.example.com\", \"a.example.com:\", \"a.example.com:99999\"]\n",
			errs: []string{
				`server.allowed_hosts[0]: "https://a.example.com" is not a host or host:port (no scheme, path or wildcard)`,
				`server.allowed_hosts[1]: "a.example.com/x" is not a host or host:port (no scheme, path or wildcard)`,
				`server.allowed_hosts[2]: "*.example.com" is not a host or host:port (no scheme, path or wildcard)`,
				`server.allowed_hosts[3]: "a.example.com:" is not a host or host:port (no scheme, path or wildcard)`,
				`server.allowed_hosts[4]: "a.example.com:99999" is not a host or host:port (no scheme, path or wildcard)`,
			}},
		{name: "empty entry refused", publicURL: "https://app.example.com", yaml: "server:\n  allowed_hosts: [\"\"]\n",
			errs: []string{`server.allowed_hosts[0]: "" is not a host or host:port (no scheme, path or wildcard)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv()
			env["GATEHOUSE_PUBLIC_URL"] = tc.publicURL
			if tc.env != "" {
				env["GATEHOUSE_SERVER_ALLOWED_HOSTS"] = tc.env
			}
			c, err := load(t, tc.yaml, env)
			if tc.errs != nil {
				lines := errLines(err)
				for _, want := range tc.errs {
					found := false
					for _, l := range lines {
						found = found || l == want
					}
					if !found {
						t.Errorf("missing error line %q in:\n%v", want, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(c.Server.AllowedHosts, tc.want) {
				t.Errorf("server.allowed_hosts = %q, want %q", c.Server.AllowedHosts, tc.want)
			}
		})
	}
}
