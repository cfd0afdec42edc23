package headers

import (
	"net/textproto"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// TestAssertionName: the public verifier reads the header gatehouse writes
// by default; pkg/ may not import internal/, so the two constants are tied
// here.
func TestAssertionName(t *testing.T) {
	if Assertion != verify.DefaultHeader {
		t.Fatalf("Assertion = %q, verify.DefaultHeader = %q", Assertion, verify.DefaultHeader)
	}
}

func TestReserved(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Host", true},
		{"Cookie", true},
		{"Transfer-Encoding", true},
		{"Forwarded", true},
		{"X-Forwarded-For", true},
		{"X-Forwarded-Host", true},
		{"X-Forwarded-Proto", true},
		{"X-Request-Id", true},
		{"X-Gatehouse-Assertion", true},
		{"X-Forwarded-Access-Token", true},
		{"X-Forwarded-User", false},
		{"X-Forwarded-Email", false},
		{"X-Auth-Request-User", false},
		{"x-forwarded-for", false}, // callers pass canonical names
	}
	for _, tt := range tests {
		if got := Reserved(tt.name); got != tt.want {
			t.Errorf("Reserved(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestListsCanonical: the names gatehouse sets are written canonically, so
// that config (which canonicalises) and http.Header maps agree on them.
func TestListsCanonical(t *testing.T) {
	names := append(AlwaysStripped(), ForwardingHeaders()...)
	names = append(names, ForwardedFor, ForwardedHost, ForwardedProto)
	for _, n := range names {
		if c := textproto.CanonicalMIMEHeaderKey(n); c != n {
			t.Errorf("%q is not canonical (%q)", n, c)
		}
	}
	for _, p := range ForwardingPrefixes() {
		if Fold(p) != p || !strings.HasSuffix(p, "-") {
			t.Errorf("prefix %q is not folded or does not end at a '-'", p)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"X-Forwarded-User", "x-forwarded-user"},
		{"x_forwarded_user", "x-forwarded-user"},
		{"CF_CONNECTING_IP", "cf-connecting-ip"},
		{"X-Ünicode_A", "x-Ünicode-a"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(AppendFolded(nil, tt.in)); got != tt.want {
			t.Errorf("AppendFolded(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Fold(tt.in); got != tt.want && !strings.ContainsRune(tt.in, 'Ü') {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// AppendFolded is the allocation-free Fold of the request path: both must
// agree on every ASCII name a client can send.
func TestAppendFoldedMatchesFold(t *testing.T) {
	for _, name := range []string{
		"X-Forwarded-User", "x_forwarded_user", "X-FORWARDED_USER", "X-Gatehouse-Assertion",
		"Forwarded", "", "Cookie", "X-Real-Ip", "x-request-id", "A_b-C_d", "X-Long-" + string(make([]byte, 100)),
	} {
		if got, want := string(AppendFolded(nil, name)), Fold(name); got != want {
			t.Errorf("AppendFolded(%q) = %q, Fold = %q", name, got, want)
		}
	}
}
