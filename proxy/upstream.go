package proxy

import (
	"cmp"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/headers"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/session"
)

// newReverseProxy builds the upstream proxy. Identity headers are set only in
// Rewrite, on the outgoing request, after hop-by-hop headers are gone: a client
// cannot name them in Connection to have them removed, and its own copies are
// deleted first.
func (h *Handler) newReverseProxy(target *url.URL) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:        h.rewrite(target),
		Transport:      h.timedTransport(newTransport()),
		ErrorHandler:   h.upstreamError,
		ModifyResponse: h.modifyResponse, // response.go
		BufferPool:     newBufferPool(),
	}
}

// copyBufferSize is the body copy buffer's size, as ReverseProxy's own.
const copyBufferSize = 32 << 10

// bufferPool reuses the buffers that copy response bodies: without one,
// ReverseProxy allocates 32 KiB per request, most of the garbage a proxied
// request makes.
type bufferPool struct{ pool sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{pool: sync.Pool{New: func() any {
		b := make([]byte, copyBufferSize)
		return &b
	}}}
}

func (p *bufferPool) Get() []byte { return *p.pool.Get().(*[]byte) }

func (p *bufferPool) Put(b []byte) {
	if cap(b) != copyBufferSize {
		return
	}
	b = b[:copyBufferSize]
	p.pool.Put(&b)
}

// noStoreForUser marks a response made for a logged-in user as not to be
// stored when the upstream said nothing about caching: otherwise browsers
// keep the page in their back/forward cache, and the back button shows it
// again after logout (TestRealBrowserLoginAndLogout). An upstream's own
// Cache-Control is left alone.
func noStoreForUser(resp *http.Response) error {
	st := requestStateFrom(resp.Request.Context())
	if st.auth != nil && len(resp.Header["Cache-Control"]) == 0 {
		st.cacheControl[0] = "no-store"
		resp.Header["Cache-Control"] = st.cacheControl[:]
	}
	return nil
}

// newTransport keeps enough idle connections for a busy sidecar: Go's default
// of two per host makes most requests open a new connection under load.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy: nil, // the upstream is addressed directly, never via HTTP_PROXY
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

func (h *Handler) rewrite(target *url.URL) func(*httputil.ProxyRequest) {
	return func(pr *httputil.ProxyRequest) {
		st := requestStateFrom(pr.In.Context())
		trusted := st.trustedPeer

		pr.SetURL(target)
		// Legacy apps build absolute links from Host: keep the one the browser used.
		pr.Out.Host = pr.In.Host

		h.strip.strip(pr.Out.Header, trusted)
		h.dropClientTraceContext(pr.Out.Header, trusted)
		removeOwnCookies(pr.Out.Header, h.cookies.isOwnCookie, &st.cookie)

		// Values share one array held by the request state: a Set per
		// header would allocate each time.
		//
		// Not ProxyRequest.SetXForwarded, though it extends a chain the same
		// way: it writes the client's Host as X-Forwarded-Host (replaced here
		// always) and the connection's scheme as X-Forwarded-Proto (replaced
		// for a trusted proxy), so its values would be overwritten, and its
		// Set calls cost 4 more allocations per request (BenchmarkHotPath
		// rewrite-headers: 15 instead of 11 allocs/op, 2168 instead of
		// 2104 B/op).
		v, out := &st.forwarded, pr.Out.Header
		if peer, ok := peerAddr(pr.In); ok {
			v[0] = peerString(pr.In.RemoteAddr, peer)
		}
		// Never the client's Host: apps build links (password-reset mails)
		// from X-Forwarded-Host. Host itself is one of server.allowed_hosts.
		v[1] = h.hosts.public
		v[2] = "http"
		if pr.In.TLS != nil {
			v[2] = "https"
		}
		if trusted {
			// ReverseProxy removed these from the outgoing request before
			// Rewrite: a trusted proxy's chain, host and scheme come from the
			// incoming one, and the chain is extended by that proxy's address.
			in := pr.In.Header
			if chain := strings.Join(in.Values(headers.ForwardedFor), ", "); chain != "" {
				v[0] = chain + ", " + v[0]
			}
			v[1] = cmp.Or(in.Get(headers.ForwardedHost), v[1])
			v[2] = cmp.Or(in.Get(headers.ForwardedProto), v[2])
		}
		if v[0] != "" {
			out[headers.ForwardedFor] = v[0:1:1]
		}
		out[headers.ForwardedHost] = v[1:2:2]
		out[headers.ForwardedProto] = v[2:3:3]
		v[3] = st.id
		out[headers.RequestID] = v[3:4:4]
		switch {
		case h.basic != nil:
			// The upstream trusts Authorization as the user: no client copy,
			// on public paths too. setIdentity sets gatehouse's own.
			if !h.keepsAuthorization(st.auth) {
				delete(pr.Out.Header, "Authorization")
			}
		case h.opts.bearerEnabled && !h.opts.passAuthorization:
			if _, ok := bearerToken(pr.Out); ok {
				pr.Out.Header.Del("Authorization")
			}
		}

		if st.auth == nil {
			return
		}
		h.setIdentity(pr.In.Context(), pr.Out.Header, st.auth)
		if h.opts.passAccessToken {
			h.setAccessToken(pr, st.auth)
		}
	}
}

func (h *Handler) setAccessToken(pr *httputil.ProxyRequest, auth *authenticated) {
	if auth.bearer != "" {
		// The client's own token is its access token.
		if v := identity.Sanitize(auth.bearer); v != "" {
			pr.Out.Header.Set("X-Forwarded-Access-Token", v)
		}
		return
	}
	tokens, err := session.Open(auth.key, auth.session.ID, auth.session.Sealed)
	if err != nil {
		h.logger.Warn("open session tokens", zap.String("session", session.HashID(auth.session.ID)), zap.Error(err))
		return
	}
	if v := identity.Sanitize(tokens.AccessToken); v != "" {
		pr.Out.Header.Set("X-Forwarded-Access-Token", v)
	}
}

// upstreamError is ReverseProxy's ErrorHandler: the upstream could not be
// reached (errUpstream), or the client went away meanwhile.
func (h *Handler) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	h.respond(w, r, &errUpstream{err: err}, countRequest)
}
