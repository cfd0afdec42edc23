package config

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestAuthorizationLoads(t *testing.T) {
	c := mustLoad(t, `
authorization:
  allowed_email_domains: [example.gov, "*.example.gov"]
  required_claims: {email_verified: true, isAdmin: "yes"}
  public_paths: [/static, "^/api/v[0-9]+/health$"]
  rules:
    - path: /admin
      allowed_groups: [admins]
      required_claims: {Department: IT}
bearer:
  enabled: true
  audiences: [api]
`, baseEnv())
	a := c.Authorization
	if want := map[string]string{"email_verified": "true", "isAdmin": "yes"}; !maps.Equal(a.RequiredClaims, want) {
		t.Errorf("required_claims = %v, want %v (claim names keep their case)", a.RequiredClaims, want)
	}
	want := []Rule{{Path: "/admin", AllowedGroups: []string{"admins"}, RequiredClaims: map[string]string{"Department": "IT"}}}
	if !reflect.DeepEqual(a.Rules, want) {
		t.Errorf("rules = %+v, want %+v", a.Rules, want)
	}
	if !c.Bearer.Enabled || !slices.Equal(c.Bearer.Audiences, []string{"api"}) {
		t.Errorf("bearer = %+v", c.Bearer)
	}

	env := baseEnv()
	env["GATEHOUSE_AUTHORIZATION_REQUIRED_CLAIMS"] = "Tier=gold"
	env["GATEHOUSE_AUTHORIZATION_ALLOWED_GROUPS"] = "a,b"
	c = mustLoad(t, "authorization:\n  required_claims: {x: y}\n", env)
	if !maps.Equal(c.Authorization.RequiredClaims, map[string]string{"Tier": "gold"}) ||
		!slices.Equal(c.Authorization.AllowedGroups, []string{"a", "b"}) {
		t.Errorf("environment override: %+v", c.Authorization)
	}
}

func TestAuthorizationErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{name: "emails and domains", yaml: "authorization:\n  allowed_emails: [a@evil.com@example.gov, nobody]\n  allowed_email_domains: [\"@x.gov\", \"*.\", a..b, \"*example.gov\"]\n",
			want: []string{
				`authorization.allowed_emails[0]: "a@evil.com@example.gov" is not an email address (exactly one @)`,
				`authorization.allowed_emails[1]: "nobody" is not an email address (exactly one @)`,
				`authorization.allowed_email_domains[0]: "@x.gov" is not a domain (example.gov) or a subdomain wildcard (*.example.gov)`,
				`authorization.allowed_email_domains[1]: "*." is not a domain (example.gov) or a subdomain wildcard (*.example.gov)`,
				`authorization.allowed_email_domains[2]: "a..b" is not a domain (example.gov) or a subdomain wildcard (*.example.gov)`,
				`authorization.allowed_email_domains[3]: "*example.gov" is not a domain (example.gov) or a subdomain wildcard (*.example.gov)`,
			}},
		{name: "paths", yaml: "authorization:\n  public_paths:\n    - static\n    - /static/\n    - '^(['\n    - /a?b\n",
			want: []string{
				`authorization.public_paths[0]: "static" must start with "/"`,
				`authorization.public_paths[1]: "/static/" is not a clean path (write "/static")`,
				"authorization.public_paths[2]: \"^([\" is not a regular expression: error parsing regexp: missing closing ]: `[`",
				`authorization.public_paths[3]: "/a?b" must be a plain path without query, fragment, spaces or control characters`,
			}},
		{name: "rule shape", yaml: "authorization:\n  rules:\n    - path: /y\n      allowed_group: [a]\n    - nope\n",
			want: []string{
				"authorization.rules[0].allowed_group: unknown key",
				"authorization.rules[1]: must be a mapping, not a string",
			}},
		{name: "rule values", yaml: "authorization:\n  rules:\n    - allowed_groups: [a]\n    - path: /x\n",
			want: []string{
				"authorization.rules[0].path: is required",
				"authorization.rules[1]: sets none of allowed_emails, allowed_email_domains, allowed_groups, required_claims, acr_values, max_age, so it narrows nothing",
			}},
		{name: "rules from the environment", env: map[string]string{"GATEHOUSE_AUTHORIZATION_RULES": "/admin"},
			want: []string{"authorization.rules: cannot be set from the environment; set it in the config file"}},
		{name: "bearer without audience", yaml: "bearer:\n  enabled: true\n",
			want: []string{"bearer.audiences: needs at least one audience when bearer.enabled is true"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnv()
			maps.Copy(env, tc.env)
			_, err := load(t, tc.yaml, env)
			got := errLines(err)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing error %q\ngot:\n%s", w, strings.Join(got, "\n"))
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d errors, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
		})
	}
}
