// Package headers owns the names of the request headers gatehouse sets for
// the upstream or removes from what a client sent: the config refuses them
// as identity header names and the proxy strips them, from this one list.
// It is a leaf so that both may import it.
package headers

// Headers gatehouse sets on every upstream request.
const (
	// Assertion is the default header of the signed identity assertion
	// (identity.assertion.header); verify.DefaultHeader is the same name.
	Assertion = "X-Gatehouse-Assertion"
	// AccessToken carries the user's access token when
	// upstream.pass_access_token is set; a client's copy is always removed.
	AccessToken    = "X-Forwarded-Access-Token"
	RequestID      = "X-Request-Id"
	ForwardedFor   = "X-Forwarded-For"
	ForwardedHost  = "X-Forwarded-Host"
	ForwardedProto = "X-Forwarded-Proto"
)

// AlwaysStripped are headers a client must never be able to set for the
// upstream, besides the configured identity and assertion headers, removed
// even when a trusted proxy sends them. The default assertion name is here
// so that, when identity.assertion.header renames it, an upstream still
// reading the old name never sees a client's copy.
//
// Method overrides are here too: no proxy writes them, they come from
// clients, and an app that honours one (Yii2 does for any method) runs a
// POST handler for what gatehouse's policy judged as a GET.
//
// HTTP2-Settings serves only an h2c upgrade, which gatehouse never forwards:
// an upstream that accepts h2c would otherwise hold a connection on which
// no request passes gatehouse's checks.
func AlwaysStripped() []string {
	return []string{
		Assertion,
		AccessToken,
		"X-Http-Method-Override",
		"X-Method-Override",
		"X-Http-Method",
		"Http2-Settings",
	}
}

// ForwardingPrefixes are the folded prefixes of the header families that
// carry a proxy's view of the request (client address, host, scheme, port,
// path prefix, original URL): believed only from a trusted proxy, otherwise
// removed and replaced by gatehouse's own view. Frameworks route on them
// when they trust the proxy: Yii2 takes the path from X-Rewrite-Url or
// X-Original-Url and the host from X-Original-Host, Symfony and Laravel read
// X-Forwarded-Prefix, -Host and -Port. Whole families go by prefix, so that
// a spelling nobody listed yet does not slip through.
func ForwardingPrefixes() []string {
	return []string{"x-forwarded-", "x-original-", "x-rewrite-"}
}

// ForwardingHeaders are the members of the same families without a common
// prefix: RFC 7239, the client-IP headers of CDNs and load balancers, the
// scheme hints of IIS, Microsoft front ends and WSGI, and the request id
// gatehouse sets itself.
func ForwardingHeaders() []string {
	return []string{
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
		RequestID,
	}
}

// Reserved reports whether an identity claim may not be sent under the
// canonical header name: gatehouse sets or removes it itself, or HTTP gives
// it a meaning of its own.
func Reserved(canonical string) bool {
	switch canonical {
	case "Host", "Cookie", "Connection", "Content-Length", "Transfer-Encoding", "Upgrade",
		"Te", "Trailer", "Keep-Alive", "Proxy-Connection", "Forwarded",
		ForwardedFor, ForwardedHost, ForwardedProto, RequestID, Assertion, AccessToken:
		return true
	}
	return false
}
