package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		env  map[string]string // merged over baseEnv
		want []string          // Warning.String() of every warning, in order
	}{
		{name: "nothing risky", yaml: "trusted_proxies: [10.0.0.0/8, \"fc00::/7\", 192.0.2.1]\n"},
		{name: "local http is fine", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "http://127.0.0.1:4180"}},
		{name: "localhost http is fine", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "http://localhost:4180"}},
		{name: "http on a real host", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "http://app.example.com"},
			want: []string{`public_url: "http://app.example.com" is http on a host other than this machine: session cookies and the login travel unencrypted and are not marked Secure; use https (http is for local development only)`}},
		{name: "trusted proxies cover everything",
			yaml: "trusted_proxies: [0.0.0.0/0, \"::/0\", 10.0.0.0/8, 64.0.0.0/2, \"::ffff:0:0/96\"]\n",
			want: []string{
				"trusted_proxies[0]: 0.0.0.0/0 trusts every address: any client there can set X-Forwarded-For/-Host/-Proto and choose the address and scheme the application sees; list only the proxies in front of gatehouse",
				"trusted_proxies[1]: ::/0 trusts every address: any client there can set X-Forwarded-For/-Host/-Proto and choose the address and scheme the application sees; list only the proxies in front of gatehouse",
				"trusted_proxies[3]: 64.0.0.0/2 trusts a large part of the internet: any client there can set X-Forwarded-For/-Host/-Proto and choose the address and scheme the application sees; list only the proxies in front of gatehouse",
				"trusted_proxies[4]: ::ffff:0.0.0.0/96 trusts a large part of the internet: any client there can set X-Forwarded-For/-Host/-Proto and choose the address and scheme the application sees; list only the proxies in front of gatehouse",
			}},
		{name: "redirects that leave https",
			yaml: "allowed_redirect_hosts: [docs.example.com, \"wiki.example.com:80\"]\noidc:\n  post_logout_redirect_uri: http://docs.example.com/bye\n",
			want: []string{
				`allowed_redirect_hosts[1]: "wiki.example.com:80" names the http port while public_url is https; gatehouse never redirects from https to http, so this entry only allows https://wiki.example.com:80`,
				`oidc.post_logout_redirect_uri: "http://docs.example.com/bye" is http while public_url is https: the browser leaves the encrypted site after logout`,
			}},
		{name: "bearer audience is the client id", env: map[string]string{"GATEHOUSE_BEARER_ENABLED": "true", "GATEHOUSE_BEARER_AUDIENCES": "api,gatehouse"},
			want: []string{`bearer.audiences: contains oidc.client_id "gatehouse", the audience of the ID tokens the provider issues to gatehouse; access tokens for an API should carry that API's own audience`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			var got []string
			for _, w := range mustLoad(t, tc.yaml, env).Warnings() {
				got = append(got, w.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("warnings:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestUnknownEnv(t *testing.T) {
	env := []string{
		"GATEHOUSE_SESION_STORE=memory",
		"GATEHOUSE_SESSION_STORE=memory",
		"GATEHOUSE_OIDC_CLIENTID=x",
		"GATEHOUSE_COOKIE_SECRET=",
		"GATEHOUSE_TOTALLY_UNRELATED_THING=1",
		"GATEHOUSE_SESION_STORE=again", // reported once
		// Kubernetes adds these for a Service named gatehouse.
		"GATEHOUSE_SERVICE_HOST=10.0.0.1", "GATEHOUSE_SERVICE_PORT=4180", "GATEHOUSE_SERVICE_PORT_HTTP=4180",
		"GATEHOUSE_PORT=tcp://10.0.0.1:4180", "GATEHOUSE_PORT_4180_TCP=tcp://10.0.0.1:4180",
		"GATEHOUSE_PORT_4180_TCP_ADDR=10.0.0.1", "GATEHOUSE_OPS_PORT_9180_TCP_PROTO=tcp",
		"HOME=/root",
	}
	want := []string{
		"GATEHOUSE_SESION_STORE: is not a gatehouse setting and is ignored; did you mean GATEHOUSE_SESSION_STORE (key session.store)?",
		"GATEHOUSE_OIDC_CLIENTID: is not a gatehouse setting and is ignored; did you mean GATEHOUSE_OIDC_CLIENT_ID (key oidc.client_id)?",
		"GATEHOUSE_COOKIE_SECRET: is not a gatehouse setting and is ignored; did you mean GATEHOUSE_COOKIE_SECRETS (key cookie.secrets)?",
		"GATEHOUSE_TOTALLY_UNRELATED_THING: is not a gatehouse setting and is ignored",
	}
	var got []string
	for _, w := range UnknownEnv(env) {
		got = append(got, w.String())
		if strings.Contains(w.String(), "memory") || strings.Contains(w.String(), "again") {
			t.Errorf("a warning shows a variable's value: %s", w)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
}
