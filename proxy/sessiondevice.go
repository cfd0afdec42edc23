package proxy

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/device"
	"github.com/gatehouse/gatehouse/internal/session"
)

// recordDevice notes on a new session where its login happened, for the
// user's sessions page (usersessions.go): the browser that came back from
// the provider, described coarsely, and its network (/24 or /48). Only at
// login: the record is not rewritten per request, and a session that
// roams keeps the place it began.
func (h *Handler) recordDevice(s *session.Session, r *http.Request) {
	s.Device = device.Describe(r.Header.Get("User-Agent"))
	if addr, ok := clientAddr(r, requestStateFrom(r.Context()).trustedPeer, h.opts.trustedProxies); ok {
		s.Address = device.Mask(addr)
	}
}
