package device

import "net/netip"

// Mask returns the network addr belongs to, as the sessions page shows it: a
// /24 for IPv4 (an IPv4-mapped IPv6 address counts as IPv4) and a /48 for
// IPv6, a size that names a provider's area or a site, not a household. An
// invalid addr gives "".
func Mask(addr netip.Addr) string {
	if !addr.IsValid() {
		return ""
	}
	addr = addr.Unmap()
	bits := 48
	if addr.Is4() {
		bits = 24
	}
	p, err := addr.WithZone("").Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}
