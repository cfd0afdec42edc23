package device

import (
	"net/netip"
	"testing"
)

func TestMask(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"203.0.113.77", "203.0.113.0/24"},
		{"127.0.0.1", "127.0.0.0/24"},
		{"::ffff:198.51.100.9", "198.51.100.0/24"},
		{"2001:db8:1234:5678::1", "2001:db8:1234::/48"},
		{"fe80::1%eth0", "fe80::/48"},
		{"::1", "::/48"},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			if got := Mask(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("Mask(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
	if got := Mask(netip.Addr{}); got != "" {
		t.Errorf("Mask of the zero Addr = %q, want \"\"", got)
	}
}
