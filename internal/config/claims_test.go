package config

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestClaimKeysRefused: every malformed claim reference, groups claim,
// static header and basic auth setting is an error naming its key.
func TestClaimKeysRefused(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        map[string]string
		want       string
	}{
		{"header path", "identity:\n  headers:\n    X-Role: a..b\n", nil,
			`identity.headers.X-Role: claim path "a..b": empty segment`},
		{"header URL claim without brackets", "identity:\n  headers:\n    X-Roles: https://example.com/roles\n", nil,
			`identity.headers.X-Roles: claim path "https://example.com/roles": '/' cannot be in a bare name: write a name with "/" or "." in brackets, such as ["https://example.com/roles"]`},
		{"header path from the environment", "", map[string]string{"GATEHOUSE_IDENTITY_HEADERS": "X-Role=a["},
			`identity.headers.X-Role: claim path "a[": expected a quoted name after "[", such as ["https://example.com/roles"]`},
		{"required claim path", "authorization:\n  required_claims: {\"realm_access..roles\": admin}\n", nil,
			`authorization.required_claims: claim path "realm_access..roles": empty segment`},
		{"rule required claim path", "authorization:\n  rules:\n    - path: /admin\n      required_claims: {\"a.\": x}\n", nil,
			`authorization.rules[0].required_claims: claim path "a.": empty segment`},
		{"groups claim path", "identity:\n  groups_claims: [groups, 'realm_access.[\"roles\"]']\n", nil,
			`identity.groups_claims[1]: claim path "realm_access.[\"roles\"]": "." before "[": write a["b"], not a.["b"]`},
		{"groups claims empty", "identity:\n  groups_claims: []\n", nil,
			"identity.groups_claims: needs at least one claim (the default is [groups])"},
		{"static header name", "identity:\n  static_headers:\n    \"X Tenant\": blue\n", nil,
			`identity.static_headers.X Tenant: "X Tenant" is not a valid header name`},
		{"static header reserved", "identity:\n  static_headers:\n    x-forwarded-for: 1.2.3.4\n", nil,
			"identity.static_headers.x-forwarded-for: X-Forwarded-For is set by gatehouse itself"},
		{"static header is the assertion's", "identity:\n  static_headers:\n    X-Gatehouse-Assertion: forged\n", nil,
			"identity.static_headers.X-Gatehouse-Assertion: X-Gatehouse-Assertion is set by gatehouse itself"},
		{"static header also an identity header", "identity:\n  static_headers:\n    X-Forwarded-User: nobody\n", nil,
			"identity.static_headers.X-Forwarded-User: X-Forwarded-User is also in identity.headers"},
		{"static header empty", "identity:\n  static_headers:\n    X-Tenant: \"\"\n", nil,
			"identity.static_headers.X-Tenant: needs a value"},
		{"static header control character", "identity:\n  static_headers:\n    X-Tenant: \"a\\r\\nX-Evil: 1\"\n", nil,
			"identity.static_headers.X-Tenant: the value holds a control character"},
		{"static header twice", "identity:\n  static_headers:\n    X-Tenant: a\n    x-tenant: b\n", nil,
			"identity.static_headers.x-tenant: names X-Tenant twice (header names ignore case)"},
		{"static headers too large", "identity:\n  max_header_bytes: 1024\n  static_headers:\n    X-Big: " + strings.Repeat("x", 600) + "\n", nil,
			"identity.static_headers: take 605 bytes, more than half of identity.max_header_bytes (1024): the identity headers would not fit"},
		{"basic auth without password", "upstream:\n  basic_auth:\n    enabled: true\n", nil,
			"upstream.basic_auth.password: is required when upstream.basic_auth.enabled is true (or set upstream.basic_auth.password_file)"},
		{"basic auth password and file", "upstream:\n  basic_auth:\n    enabled: true\n    password: x\n    password_file: /etc/hostname\n", nil,
			"upstream.basic_auth.password: cannot be set together with upstream.basic_auth.password_file: set only one of them"},
		{"basic auth password file missing", "upstream:\n  basic_auth:\n    enabled: true\n    password_file: /nonexistent/pw\n", nil,
			`upstream.basic_auth.password_file: cannot read "/nonexistent/pw": no such file or directory`},
		{"basic auth user claim", "upstream:\n  basic_auth:\n    enabled: true\n    password: x\n    user_claim: \"a..b\"\n", nil,
			`upstream.basic_auth.user_claim: claim path "a..b": empty segment`},
		{"basic auth user claim empty", "upstream:\n  basic_auth:\n    user_claim: \" \"\n", nil,
			"upstream.basic_auth.user_claim: needs a claim name (the default is sub)"},
		{"basic auth and a static Authorization", "upstream:\n  basic_auth:\n    enabled: true\n    password: x\nidentity:\n  static_headers:\n    Authorization: Bearer shared\n", nil,
			"identity.static_headers.Authorization: Authorization is set by upstream.basic_auth"},
		{"basic auth and an Authorization identity header", "upstream:\n  basic_auth:\n    enabled: true\n    password: x\nidentity:\n  headers:\n    Authorization: sub\n", nil,
			"identity.headers.Authorization: Authorization is set by upstream.basic_auth"},
		{"basic auth unknown key", "upstream:\n  basic_auth:\n    user: sub\n", nil,
			"upstream.basic_auth.user: unknown key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loadCase(t, tc.yaml, tc.env, tc.want)
		})
	}
}

func TestClaimKeysLoad(t *testing.T) {
	pw := writeFile(t, "pw", "s3cret:with-colon\n")
	c := loadCase(t, `
identity:
  headers:
    X-Forwarded-User: sub
    X-Roles: realm_access.roles
    X-Auth0-Roles: '["https://example.com/roles"]'
    X-App-Roles: 'resource_access["my.app"].roles'
  groups_claims: [groups, realm_access.roles, '["https://example.com/roles"]', cognito:groups]
  static_headers:
    x-app-tenant: blue
upstream:
  basic_auth:
    enabled: true
    user_claim: preferred_username
    password_file: `+pw+`
authorization:
  rules:
    - path: /admin
      required_claims: {realm_access.roles: admin}
`, nil, "")
	if want := []string{"groups", "realm_access.roles", `["https://example.com/roles"]`, "cognito:groups"}; !slices.Equal(c.Identity.GroupsClaims, want) {
		t.Errorf("groups_claims = %q", c.Identity.GroupsClaims)
	}
	if want := map[string]string{"X-App-Tenant": "blue"}; !maps.Equal(c.Identity.StaticHeaders, want) {
		t.Errorf("static_headers = %v (names canonical)", c.Identity.StaticHeaders)
	}
	if b := c.Upstream.BasicAuth; !b.Enabled || b.UserClaim != "preferred_username" || b.Password != "s3cret:with-colon" {
		t.Errorf("basic_auth = enabled %v, user_claim %q, password read %v", b.Enabled, b.UserClaim, b.Password == "s3cret:with-colon")
	}

	// From the environment: lists and maps in their environment form, the
	// password as a value.
	c = loadCase(t, "", map[string]string{
		"GATEHOUSE_IDENTITY_GROUPS_CLAIMS":         "groups,realm_access.roles",
		"GATEHOUSE_IDENTITY_STATIC_HEADERS":        "X-Tenant=blue",
		"GATEHOUSE_UPSTREAM_BASIC_AUTH_ENABLED":    "true",
		"GATEHOUSE_UPSTREAM_BASIC_AUTH_PASSWORD":   "from-env",
		"GATEHOUSE_UPSTREAM_BASIC_AUTH_USER_CLAIM": "email",
	}, "")
	if !slices.Equal(c.Identity.GroupsClaims, []string{"groups", "realm_access.roles"}) || c.Identity.StaticHeaders["X-Tenant"] != "blue" ||
		c.Upstream.BasicAuth.Password != "from-env" || c.Upstream.BasicAuth.UserClaim != "email" {
		t.Errorf("from the environment: %+v %+v", c.Identity, c.Upstream.BasicAuth)
	}
}

// TestBasicAuthPasswordNeverInErrors: no problem message quotes the
// password.
func TestBasicAuthPasswordNeverInErrors(t *testing.T) {
	_, err := load(t, "upstream:\n  basic_auth:\n    enabled: true\n    password: do-not-print-me\n    password_file: /nonexistent\n    user_claim: \"a..\"\n", baseEnv())
	if err == nil {
		t.Fatal("loaded")
	}
	for _, line := range errLines(err) {
		if strings.Contains(line, "do-not-print-me") {
			t.Errorf("an error quotes the password: %s", line)
		}
	}
}
