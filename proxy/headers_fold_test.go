package proxy

import "testing"

// appendFolded is the allocation-free foldHeaderName of the request path:
// both must agree on every name a client can send.
func TestAppendFoldedMatchesFoldHeaderName(t *testing.T) {
	for _, name := range []string{
		"X-Forwarded-User", "x_forwarded_user", "X-FORWARDED_USER", "X-Gatehouse-Assertion",
		"Forwarded", "", "Cookie", "X-Real-Ip", "x-request-id", "A_b-C_d", "X-Long-" + string(make([]byte, 100)),
	} {
		if got, want := string(appendFolded(nil, name)), foldHeaderName(name); got != want {
			t.Errorf("appendFolded(%q) = %q, foldHeaderName = %q", name, got, want)
		}
	}
}
