package proxy

import (
	"bytes"
	"net/http"
	"net/netip"
	"strings"
)

// Headers a client must never be able to set for the upstream, besides the
// configured identity and assertion headers. They are compared after folding
// case and '_' to '-', because PHP and CGI turn X-Forwarded_User into the same
// variable as X-Forwarded-User. The default assertion name stays here when
// identity.assertion.header renames it, so an upstream still reading the old
// name never sees a client's copy.
//
// Method overrides are here too, removed even from trusted proxies: no proxy
// writes them, they come from clients, and an app that honours one (Yii2 does
// for any method) runs a POST handler for what gatehouse's policy judged as a
// GET.
var alwaysStripped = []string{
	"X-Gatehouse-Assertion",
	"X-Forwarded-Access-Token",
	"X-Http-Method-Override",
	"X-Method-Override",
	"X-Http-Method",
}

// Header families that carry a proxy's view of the request (client address,
// host, scheme, port, path prefix, original URL): believed only from a
// trusted proxy, otherwise removed and replaced by gatehouse's own view.
// Frameworks route on them when they trust the proxy: Yii2 takes the path
// from X-Rewrite-Url or X-Original-Url and the host from X-Original-Host,
// Symfony and Laravel read X-Forwarded-Prefix, -Host and -Port. Whole
// families go by prefix (folded), so that a spelling nobody listed yet does
// not slip through.
var forwardingPrefixes = []string{"x-forwarded-", "x-original-", "x-rewrite-"}

// forwardingHeaders are the members of the same families without a common
// prefix: RFC 7239, the client-IP headers of CDNs and load balancers, and the
// scheme hints of IIS, Microsoft front ends and WSGI.
var forwardingHeaders = []string{
	"Forwarded",
	"X-Real-Ip",
	"X-Host",
	"Front-End-Https",
	"X-Url-Scheme",
	"Client-Ip",
	"X-Client-Ip",
	"True-Client-Ip",
	"X-Cluster-Client-Ip",
	"Cf-Connecting-Ip",
	"X-Request-Id",
}

// stripper removes client-sent copies of the headers gatehouse sets.
type stripper struct {
	always     map[string]bool // folded names
	forwarding map[string]bool
	trusted    []netip.Prefix
}

func newStripper(identityHeaders []string, trusted []netip.Prefix) stripper {
	s := stripper{always: map[string]bool{}, forwarding: map[string]bool{}, trusted: trusted}
	for _, name := range append(identityHeaders, alwaysStripped...) {
		s.always[foldHeaderName(name)] = true
	}
	for _, name := range forwardingHeaders {
		s.forwarding[foldHeaderName(name)] = true
	}
	return s
}

// foldHeaderName lower-cases and maps '_' to '-'.
func foldHeaderName(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
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
		folded := appendFolded(buf[:0], name)
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
	for _, p := range forwardingPrefixes {
		if bytes.HasPrefix(folded, []byte(p)) {
			return true
		}
	}
	return false
}

// appendFolded appends foldHeaderName(name) to b, for ASCII names (a
// non-ASCII byte is copied unchanged, and such a name is in no list).
func appendFolded(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		b = append(b, c)
	}
	return b
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
