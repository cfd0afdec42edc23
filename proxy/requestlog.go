package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// requestState is what one request carries from authentication to the
// upstream rewrite and the access log.
type requestState struct {
	id string
	// auth is the identity forwarded upstream (rewrite, upstream.go); nil
	// forwards none. Set in one place: Handler.proxy.
	auth *authenticated
	// user is the subject the access line names, whoever authenticated,
	// whether or not they were let through. Set in one place:
	// Handler.authenticate.
	user string
	// log is the request's logger, with the request id (logger builds it;
	// atomic because an upgrade's watcher logs from its own goroutine).
	log atomic.Pointer[zap.Logger]
	// trustedPeer: the peer is in trusted_proxies (decided once per request).
	trustedPeer bool
	// Allocated with the state, so a request costs one allocation fewer:
	rec statusRecorder
	// idValue is the X-Request-Id header value on the way out.
	idValue [1]string
	// forwarded backs the values of the forwarding headers set upstream
	// (upstream.go), saving an allocation per header; cookie the upstream's
	// Cookie line, cacheControl the no-store added to the response.
	forwarded    [4]string
	cookie       [1]string
	cacheControl [1]string
}

type requestStateKey struct{}

// requestStateFrom returns the request's state; a request that did not pass
// through withRequestLog gets a fresh, empty one rather than a panic.
func requestStateFrom(ctx context.Context) *requestState {
	if st, ok := ctx.Value(requestStateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// logger returns the request's logger, built from base on first use: most
// requests log nothing but the access line, and should not pay for it.
func (st *requestState) logger(base *zap.Logger) *zap.Logger {
	if l := st.log.Load(); l != nil {
		return l
	}
	st.log.CompareAndSwap(nil, base.With(zap.String("request_id", st.id)))
	return st.log.Load()
}

// withRequestLog assigns the request id and writes one access line per
// request: method, path without query, status, duration, request id, user.
// Never the query (it may hold codes), never a header value.
func withRequestLog(logger *zap.Logger, trustedPeer bool, w http.ResponseWriter, r *http.Request, next http.HandlerFunc) {
	started := time.Now()
	st := &requestState{id: requestID(r, trustedPeer), trustedPeer: trustedPeer}
	st.idValue[0] = st.id
	w.Header()["X-Request-Id"] = st.idValue[:]
	rec := &st.rec
	rec.ResponseWriter = w
	next(rec, r.WithContext(context.WithValue(r.Context(), requestStateKey{}, st)))
	if ce := logger.Check(zapcore.InfoLevel, "request"); ce != nil {
		ce.Write(
			zap.String("method", r.Method),
			zap.String("path", r.URL.Path),
			zap.Int("status", rec.status()),
			zap.Duration("duration", time.Since(started)),
			zap.String("request_id", st.id),
			zap.String("user", st.user),
		)
	}
}

// requestID keeps a trusted proxy's id so one request can be traced across
// hops; from anyone else it makes a new one.
func requestID(r *http.Request, trustedPeer bool) string {
	if trustedPeer {
		if id := r.Header.Get("X-Request-Id"); validRequestID(id) {
			return id
		}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status code. Unwrap lets
// http.ResponseController reach Flush and Hijack, so streaming responses and
// WebSocket upgrades pass through.
//
// It also adds gatehouse's security headers to every final response that is
// not the upstream's (securityheaders.go, response.go).
type statusRecorder struct {
	http.ResponseWriter
	code int
	// upstream: the response is the upstream's, to be left as it made it.
	upstream bool
	// final: a final (non-1xx) status was written.
	final bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if code >= 200 && !s.final {
		s.final = true
		if !s.upstream {
			setOwnResponseHeaders(s.Header())
		}
	}
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.final {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		// Hijacked connections (WebSocket) never write a status through us.
		return http.StatusSwitchingProtocols
	}
	return s.code
}
