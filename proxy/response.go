package proxy

import (
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// modifyResponse is ReverseProxy's ModifyResponse: it runs on every upstream
// response before its headers are copied to the client.
func (h *Handler) modifyResponse(resp *http.Response) error {
	h.dropOwnSetCookies(resp)
	if err := noStoreForUser(resp); err != nil {
		return err
	}
	// From here on the response is the upstream's: gatehouse's own security
	// headers are not added to it (securityheaders.go).
	requestStateFrom(resp.Request.Context()).rec.upstream = true
	return nil
}

// dropOwnSetCookies removes the upstream's Set-Cookie lines for gatehouse's
// cookie names. The application, or whoever controls one of its responses,
// could otherwise delete the session (gatehouse=; Max-Age=0), plant a
// session or login cookie of its choosing, or shadow the session cookie with
// one under a longer Path, which browsers send first. Names are compared
// exactly, as browsers do: a cookie whose name differs in case is another
// cookie, which gatehouse never reads.
func (h *Handler) dropOwnSetCookies(resp *http.Response) {
	lines := resp.Header["Set-Cookie"]
	if len(lines) == 0 {
		return
	}
	kept := lines[:0:0]
	for _, line := range lines {
		if name := setCookieName(line); h.cookies.isOwnCookie(name) {
			h.repeatLog.Warn("upstream Set-Cookie for a gatehouse cookie dropped (logged at most every 10s)",
				zap.String("cookie", name), zap.String("path", resp.Request.URL.Path),
				zap.String("request_id", requestStateFrom(resp.Request.Context()).id))
			continue
		}
		kept = append(kept, line)
	}
	if len(kept) == 0 {
		delete(resp.Header, "Set-Cookie")
		return
	}
	resp.Header["Set-Cookie"] = kept
}

// setCookieName is the cookie name of a Set-Cookie line as browsers read it:
// up to the first '=' of the first ';'-separated part, spaces trimmed. A
// line without '=' sets a cookie with an empty name in browsers; its whole
// first part is returned, so that "Set-Cookie: gatehouse" counts as well.
func setCookieName(line string) string {
	pair, _, _ := strings.Cut(line, ";")
	name, _, _ := strings.Cut(pair, "=")
	return strings.TrimSpace(name)
}
