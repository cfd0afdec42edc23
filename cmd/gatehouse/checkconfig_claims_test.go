package main

import "testing"

// TestCheckConfigNamesClaimPaths: check-config refuses a malformed claim
// reference, naming its key, and accepts nested and bracketed ones.
func TestCheckConfigNamesClaimPaths(t *testing.T) {
	runCheckCases(t, []checkCase{
		{name: "malformed header path", env: checkEnv("GATEHOUSE_IDENTITY_HEADERS=X-Role=a..b"), wantCode: 1,
			want: []string{`identity.headers.X-Role: claim path "a..b": empty segment`}},
		{name: "malformed groups claim", env: checkEnv("GATEHOUSE_IDENTITY_GROUPS_CLAIMS=groups,realm_access."), wantCode: 1,
			want: []string{`identity.groups_claims[1]: claim path "realm_access.": empty segment`}},
		{name: "basic auth password never printed", env: checkEnv("GATEHOUSE_UPSTREAM_BASIC_AUTH_ENABLED=true",
			"GATEHOUSE_UPSTREAM_BASIC_AUTH_PASSWORD=s3cr3t-value", "GATEHOUSE_UPSTREAM_BASIC_AUTH_USER_CLAIM=a[b]"), wantCode: 1,
			want: []string{`upstream.basic_auth.user_claim: claim path "a[b]": expected a quoted name after "["`}},
		{name: "paths accepted", env: checkEnv(`GATEHOUSE_IDENTITY_HEADERS=X-Forwarded-User=sub,X-Roles=realm_access.roles,X-Auth0=["https://example.com/roles"]`,
			"GATEHOUSE_IDENTITY_GROUPS_CLAIMS=groups,realm_access.roles"), want: []string{"ok"}},
	})
}
