package proxy

import (
	"net/http"
	"reflect"
	"testing"
)

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

func TestRemoveOwnCookies(t *testing.T) {
	own := func(name string) bool { return name == "gatehouse" || name == "gatehouse-login-ab12" }
	tests := []struct {
		name string
		in   []string // Cookie lines
		want []string // nil: no Cookie header left
	}{
		{"none", nil, nil},
		{"only own", []string{"gatehouse=v1"}, nil},
		{"own in the middle", []string{"a=1; gatehouse=v1; b=2"}, []string{"a=1; b=2"}},
		{"login cookie and spaces", []string{" gatehouse-login-ab12=x ;a=1;;  b=2 "}, []string{"a=1; b=2"}},
		{"several lines joined", []string{"a=1", "gatehouse=v", "b=2"}, []string{"a=1; b=2"}},
		{"similar names kept", []string{"gatehouse2=x; xgatehouse=y"}, []string{"gatehouse2=x; xgatehouse=y"}},
		{"name with spaces before =", []string{"gatehouse =v; a=1"}, []string{"a=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.in != nil {
				h["Cookie"] = tt.in
			}
			removeOwnCookies(h, own, new([1]string))
			if got := h["Cookie"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Cookie = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPeerStringIsAddrString(t *testing.T) {
	for _, remote := range []string{
		"127.0.0.1:50000", "10.1.2.3:1", "[::1]:443", "[::ffff:192.0.2.7]:80",
		"[fe80::1%eth0]:8080", "[2001:db8:0:0::1]:1",
	} {
		r := &http.Request{RemoteAddr: remote}
		peer, ok := peerAddr(r)
		if !ok {
			t.Fatalf("%s: not parsed", remote)
		}
		if got, want := peerString(remote, peer), peer.String(); got != want {
			t.Errorf("%s: %q, want %q", remote, got, want)
		}
	}
}
