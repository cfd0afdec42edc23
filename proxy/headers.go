package proxy

import (
	"bytes"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/headers"
)

// stripper removes client-sent copies of the headers gatehouse sets.
type stripper struct {
	always     map[string]bool // folded names
	forwarding map[string]bool
	prefixes   []string // folded family prefixes
	trusted    []netip.Prefix
}

// newStripper removes the identity headers and internal/headers' always
// stripped names and, unless the peer is trusted, its forwarding families.
// The config refuses identity header names from the same package.
func newStripper(identityHeaders []string, trusted []netip.Prefix) stripper {
	s := stripper{always: map[string]bool{}, forwarding: map[string]bool{}, trusted: trusted,
		prefixes: headers.ForwardingPrefixes()}
	for _, name := range slices.Concat(identityHeaders, headers.AlwaysStripped()) {
		s.always[headers.Fold(name)] = true
	}
	for _, name := range headers.ForwardingHeaders() {
		s.forwarding[headers.Fold(name)] = true
	}
	return s
}

// trusts reports whether the request's peer is a trusted proxy.
func (s stripper) trusts(r *http.Request) bool {
	if len(s.trusted) == 0 {
		return false
	}
	peer, ok := peerAddr(r)
	if !ok {
		return false
	}
	for _, p := range s.trusted {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// strip deletes every identity header and method override, and the
// forwarding families unless the peer is trusted.
func (s stripper) strip(h http.Header, trustedPeer bool) {
	var buf [64]byte // folds typical names without allocating
	for name := range h {
		folded := headers.AppendFolded(buf[:0], name)
		if s.always[string(folded)] || (!trustedPeer && s.isForwarding(folded)) {
			delete(h, name)
		}
	}
}

// isForwarding reports whether a folded name is of a forwarding family.
func (s stripper) isForwarding(folded []byte) bool {
	if s.forwarding[string(folded)] {
		return true
	}
	if len(folded) < 2 || folded[0] != 'x' || folded[1] != '-' {
		return false // most browser headers end here
	}
	for _, p := range s.prefixes {
		if bytes.HasPrefix(folded, []byte(p)) {
			return true
		}
	}
	return false
}

// peerString is peer.String(), taken from remoteAddr without a copy when it
// is written there the same way: IPv4 has one textual form (ParseAddr
// refuses leading zeros and short forms).
func peerString(remoteAddr string, peer netip.Addr) string {
	if host, _, ok := strings.Cut(remoteAddr, ":"); ok && peer.Is4() {
		if a, err := netip.ParseAddr(host); err == nil && a == peer {
			return host
		}
	}
	return peer.String()
}

func peerAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// removeOwnCookies drops gatehouse's cookies from the Cookie header: the
// upstream has no use for them and must not be able to leak them. The kept
// line is stored in line, which becomes the header's value.
func removeOwnCookies(h http.Header, own func(name string) bool, line *[1]string) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	var kept strings.Builder
	kept.Grow(len(lines[0]))
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, _, _ := strings.Cut(part, "=")
			if own(strings.TrimSpace(name)) {
				continue
			}
			if kept.Len() > 0 {
				kept.WriteString("; ")
			}
			kept.WriteString(part)
		}
	}
	if kept.Len() == 0 {
		delete(h, "Cookie")
		return
	}
	line[0] = kept.String()
	h["Cookie"] = line[:]
}
