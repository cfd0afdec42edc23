package config

import (
	"reflect"
	"testing"
)

func TestPublicPathsPlainAndObjectForms(t *testing.T) {
	c := mustLoad(t, `
authorization:
  public_paths:
    - /static
    - path: /feed
      methods: [GET]
    - {path: /api/hooks, methods: [POST], source_ips: [203.0.113.7, 10.0.0.0/8]}
  public_preflight: true
`, baseEnv())
	want := []PublicPath{
		{Path: "/static"},
		{Path: "/feed", Methods: []string{"GET"}},
		{Path: "/api/hooks", Methods: []string{"POST"}, SourceIPs: []string{"203.0.113.7", "10.0.0.0/8"}},
	}
	if !reflect.DeepEqual(c.Authorization.PublicPaths, want) || !c.Authorization.PublicPreflight {
		t.Errorf("public_paths = %+v, public_preflight %v", c.Authorization.PublicPaths, c.Authorization.PublicPreflight)
	}

	env := baseEnv()
	env["GATEHOUSE_AUTHORIZATION_PUBLIC_PATHS"] = "/static, /health"
	c = mustLoad(t, "", env)
	if want := []PublicPath{{Path: "/static"}, {Path: "/health"}}; !reflect.DeepEqual(c.Authorization.PublicPaths, want) {
		t.Errorf("from the environment: %+v, want %+v", c.Authorization.PublicPaths, want)
	}
}

func TestPolicyKeysLoad(t *testing.T) {
	c := mustLoad(t, `
authorization:
  rules:
    - path: /admin
      methods: [GET, POST, PROPFIND]
      source_ips: ["2001:db8::/32"]
      acr_values: [mfa]
      max_age: 15m
oidc:
  forwarded_auth_params: [login_hint, kc_idp_hint]
`, baseEnv())
	r := c.Authorization.Rules[0]
	if r.MaxAge != "15m" || len(r.ACRValues) != 1 || len(r.Methods) != 3 || len(r.SourceIPs) != 1 {
		t.Errorf("rule = %+v", r)
	}
	if got := c.OIDC.ForwardedAuthParams; len(got) != 2 {
		t.Errorf("forwarded_auth_params = %v", got)
	}
}

func TestPolicyErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"lowercase method", "authorization:\n  public_paths: [{path: /feed, methods: [get]}]\n",
			`authorization.public_paths[0].methods[0]: "get": methods are case-sensitive; write "GET"`},
		{"not a method", "authorization:\n  rules: [{path: /a, allowed_groups: [x], methods: [\"GET /\"]}]\n",
			`authorization.rules[0].methods[0]: "GET /" is not an HTTP method`},
		{"method twice", "authorization:\n  rules: [{path: /a, allowed_groups: [x], methods: [GET, GET]}]\n",
			`authorization.rules[0].methods[1]: "GET" is listed twice`},
		{"bad source", "authorization:\n  public_paths: [{path: /hook, source_ips: [10.0.0.0/33]}]\n",
			`authorization.public_paths[0].source_ips[0]: "10.0.0.0/33" is not a CIDR or an IP address`},
		{"source with zone", "authorization:\n  rules: [{path: /a, allowed_groups: [x], source_ips: [\"fe80::1%eth0\"]}]\n",
			`authorization.rules[0].source_ips[0]: "fe80::1%eth0" is not a CIDR or an IP address`},
		{"bad path in object", "authorization:\n  public_paths: [{path: feed, methods: [GET]}]\n",
			`authorization.public_paths[0].path: "feed" must start with "/"`},
		{"object without path", "authorization:\n  public_paths: [{methods: [GET]}]\n",
			`authorization.public_paths[0].path: is required`},
		{"unknown key in object", "authorization:\n  public_paths: [{path: /a, method: [GET]}]\n",
			`authorization.public_paths[0].method: unknown key`},
		{"max_age bare number", "authorization:\n  rules: [{path: /a, max_age: 300}]\n",
			`authorization.rules[0].max_age: "300" is not a duration such as "15m" or "0s"`},
		{"max_age negative", "authorization:\n  rules: [{path: /a, max_age: -5m}]\n",
			`authorization.rules[0].max_age: "-5m" must not be negative`},
		{"max_age fraction", "authorization:\n  rules: [{path: /a, max_age: 1500ms}]\n",
			`authorization.rules[0].max_age: "1500ms" must be whole seconds`},
		{"acr with space", "authorization:\n  rules: [{path: /a, acr_values: [\"a b\"]}]\n",
			`authorization.rules[0].acr_values[0]: "a b" is not an acr value (empty, or with spaces, quotes or control characters)`},
		{"conditions alone narrow nothing", "authorization:\n  rules: [{path: /a, methods: [GET]}]\n",
			"authorization.rules[0]: sets none of allowed_emails, allowed_email_domains, allowed_groups, required_claims, acr_values, max_age, so it narrows nothing"},
		{"forwarded param not allowed", "oidc:\n  forwarded_auth_params: [login_hint, scope]\n",
			`oidc.forwarded_auth_params[1]: "scope" cannot be forwarded; allowed: login_hint, prompt, ui_locales, kc_idp_hint, domain_hint`},
		{"forwarded param twice", "oidc:\n  forwarded_auth_params: [prompt, prompt]\n",
			`oidc.forwarded_auth_params[1]: "prompt" is listed twice`},
		{"public_preflight not a bool", "authorization:\n  public_preflight: maybe\n",
			`authorization.public_preflight: "maybe" is not true or false`},
	} {
		t.Run(tc.name, func(t *testing.T) { loadCase(t, tc.yaml, nil, tc.want) })
	}
}

func TestMaxAgeZeroIsAllowed(t *testing.T) {
	for _, v := range []string{"0", "0s"} {
		c := mustLoad(t, "authorization:\n  rules: [{path: /a, max_age: \""+v+"\"}]\n", baseEnv())
		if d, err := ParseMaxAge(c.Authorization.Rules[0].MaxAge); err != nil || d != 0 {
			t.Errorf("max_age %q = %v, %v", v, d, err)
		}
	}
}
