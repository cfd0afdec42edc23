package identity

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/session"
)

var defaultHeaders = map[string]string{
	"x-forwarded-user":               "sub",
	"X-Forwarded-Email":              "email",
	"X-Forwarded-Preferred-Username": "preferred_username",
	"X-Forwarded-Groups":             "groups",
}

func headerMap(hs []Header) map[string]string {
	m := map[string]string{}
	for _, h := range hs {
		m[h.Name] = h.Value
	}
	return m
}

func TestHeaders(t *testing.T) {
	cases := []struct {
		name          string
		session       session.Session
		headers       map[string]string
		static        map[string]string
		max           int
		want          map[string]string
		wantTruncated bool
	}{
		{
			name:    "all claims",
			session: session.Session{Subject: "u1", Email: "a@example.com", PreferredUsername: "alice", Groups: []string{"admins", "staff"}},
			headers: defaultHeaders, max: 8192,
			want: map[string]string{"X-Forwarded-User": "u1", "X-Forwarded-Email": "a@example.com",
				"X-Forwarded-Preferred-Username": "alice", "X-Forwarded-Groups": "admins,staff"},
		},
		{
			name:    "missing claims send no header",
			session: session.Session{Subject: "u1"},
			headers: defaultHeaders, max: 8192,
			want: map[string]string{"X-Forwarded-User": "u1"},
		},
		{
			name:    "control characters removed",
			session: session.Session{Subject: "u1\r\nX-Evil: 1", Email: "a\x00b\x7f@x\t", Groups: []string{"a\nb", "\r\n", "c"}},
			headers: defaultHeaders, max: 8192,
			want: map[string]string{"X-Forwarded-User": "u1X-Evil: 1", "X-Forwarded-Email": "ab@x", "X-Forwarded-Groups": "ab,c"},
		},
		{
			name:    "groups trimmed to the cap",
			session: session.Session{Subject: "u1", Groups: []string{"aaaa", "bbbb", "cccc"}},
			headers: defaultHeaders, max: len("X-Forwarded-User") + 2 + len("X-Forwarded-Groups") + 9,
			want:          map[string]string{"X-Forwarded-User": "u1", "X-Forwarded-Groups": "aaaa,bbbb"},
			wantTruncated: true,
		},
		{
			name:    "extra claims",
			session: session.Session{Subject: "u1", Extra: map[string]any{"tenant": "t-9", "roles": []any{"r1", "r2"}, "level": 3.0}},
			headers: map[string]string{"X-Tenant": "tenant", "X-Roles": "roles", "X-Level": "level"}, max: 8192,
			want: map[string]string{"X-Tenant": "t-9", "X-Roles": "r1,r2", "X-Level": "3"},
		},
		{
			name: "nested and URL-named claims, stored under their canonical reference",
			session: session.Session{Subject: "u1", Extra: map[string]any{
				"realm_access.roles": []any{"admin", "user"}, `["https://example.com/roles"]`: []string{"a0"},
				`resource_access["my.app"].roles`: "editor",
			}},
			headers: map[string]string{"X-Roles": "realm_access.roles", "X-Auth0": `["https://example.com/roles"]`,
				"X-App": `resource_access["my.app"].roles`, "X-Missing": "realm_access.missing"}, max: 8192,
			want: map[string]string{"X-Roles": "admin,user", "X-Auth0": "a0", "X-App": "editor"},
		},
		{
			name:    "a record of an older version: a URL-named claim under its plain name",
			session: session.Session{Subject: "u1", Extra: map[string]any{"https://example.com/roles": []any{"old"}}},
			headers: map[string]string{"X-Auth0": `["https://example.com/roles"]`}, max: 8192,
			want: map[string]string{"X-Auth0": "old"},
		},
		{
			name:    "objects never become a header",
			session: session.Session{Subject: "u1", Extra: map[string]any{"address": map[string]any{"country": "NL"}}},
			headers: map[string]string{"X-Address": "address", "X-User": "sub"}, max: 8192,
			want: map[string]string{"X-User": "u1"},
		},
		{
			name:    "static headers first, within the cap",
			session: session.Session{Subject: "u1", Groups: []string{"aaaa", "bbbb"}},
			headers: map[string]string{"X-Forwarded-User": "sub", "X-Forwarded-Groups": "groups"},
			static:  map[string]string{"x-app-tenant": "blue", "X-Remote-Source": "gate\r\nway"},
			max:     len("X-App-Tenant") + 4 + len("X-Remote-Source") + len("gateway") + len("X-Forwarded-User") + 2 + len("X-Forwarded-Groups") + 4,
			want: map[string]string{"X-App-Tenant": "blue", "X-Remote-Source": "gateway", "X-Forwarded-User": "u1",
				"X-Forwarded-Groups": "aaaa"},
			wantTruncated: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, truncated := mustMapper(t, MapperOptions{Headers: tc.headers, Static: tc.static, MaxBytes: tc.max}).Headers(&tc.session)
			m := headerMap(got)
			if len(m) != len(tc.want) {
				t.Fatalf("headers = %v, want %v", m, tc.want)
			}
			for k, v := range tc.want {
				if m[k] != v {
					t.Errorf("%s = %q, want %q", k, m[k], v)
				}
			}
			if truncated != tc.wantTruncated {
				t.Errorf("truncated = %v", truncated)
			}
		})
	}
}

func mustMapper(t *testing.T, o MapperOptions) *Mapper {
	t.Helper()
	m, err := NewMapper(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNewMapperRefusesBadReference(t *testing.T) {
	_, err := NewMapper(MapperOptions{Headers: map[string]string{"X-Role": "a..b"}, MaxBytes: 8192})
	if err == nil || err.Error() != `identity.headers.X-Role: claim path "a..b": empty segment` {
		t.Fatalf("NewMapper = %v", err)
	}
}

func TestNamesIncludeStaticHeaders(t *testing.T) {
	m := mustMapper(t, MapperOptions{Headers: map[string]string{"X-User": "sub"}, Static: map[string]string{"x-tenant": "t"}, MaxBytes: 8192})
	if got := strings.Join(m.Names(), ","); got != "X-Tenant,X-User" {
		t.Errorf("Names = %s", got)
	}
}

func TestHeadersStayWithinCap(t *testing.T) {
	groups := make([]string, 500)
	for i := range groups {
		groups[i] = "group-with-a-long-name-" + strings.Repeat("x", i%20)
	}
	s := session.Session{Subject: "u1", Email: "a@example.com", Groups: groups}
	got, truncated := mustMapper(t, MapperOptions{Headers: defaultHeaders, MaxBytes: 8192}).Headers(&s)
	total := 0
	for _, h := range got {
		total += len(h.Name) + len(h.Value)
	}
	if total > 8192 || !truncated {
		t.Fatalf("total %d bytes, truncated %v", total, truncated)
	}
	if headerMap(got)["X-Forwarded-User"] != "u1" {
		t.Fatal("the user header was dropped in favour of groups")
	}
}
