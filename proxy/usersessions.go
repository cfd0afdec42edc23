package proxy

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/device"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/session"
)

// sessionsFormLimit bounds the body of a POST to the sessions page: one
// short field.
const sessionsFormLimit = 4 << 10

// sessionsShown bounds the list: a script that logs in in a loop must not
// make the page megabytes long. Ending "all others" still ends every one.
const sessionsShown = 100

// endAllOthers is the value of the end field that ends every session of
// the user except the one making the request.
const endAllOthers = "all_others"

var (
	errSessionsMethod = &errRequest{status: http.StatusMethodNotAllowed, title: "Method not allowed",
		message: "Use GET to list your sessions and POST to end one.", header: [2]string{"Allow", "GET, HEAD, POST"}}
	// A bearer token is not a session of this browser: it may come from
	// another application the user allowed, which must not be able to end
	// the user's logins.
	errSessionsBearer = &errRequest{status: http.StatusForbidden, title: "Not available",
		message: "Sessions are listed and ended with the browser's sign-in, not with a bearer token."}
	errSessionsForm = &errRequest{status: http.StatusBadRequest, title: "Bad request",
		message: "Name exactly one session to end (the end field: a session's id, or all_others)."}
	// Another user's session answers the same as one that does not exist.
	errSessionNotFound = &errRequest{status: http.StatusNotFound, title: "Session not found",
		message: "You have no session with that id. It may have ended already."}
)

// sessionView is one session as its owner sees it. ID is session.HashID:
// the name logs and the assertion's sid use, from which neither the
// session id nor a cookie can be derived.
type sessionView struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	Device     string    `json:"device"`
	Address    string    `json:"address,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// sessionsList is the JSON of GET: at most sessionsShown sessions, the
// current one first, then the most recently seen; Total counts them all.
type sessionsList struct {
	Sessions []sessionView `json:"sessions"`
	Total    int           `json:"total"`
}

// userSessions is <path_prefix>/sessions: a logged-in user's own live
// sessions, as a page or as JSON (GET), and the end of one of them or of
// all others (POST). A POST must pass the same-origin rule of logout.
// Ending a session deletes it from the shared store, as a logout does, so it
// ends on every replica.
func (h *Handler) userSessions(w http.ResponseWriter, r *http.Request) error {
	if !h.opts.userSessions {
		return errNotFound
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		// Before anything else, as logout does: another site's form learns
		// nothing, not even whether its victim is logged in.
		if h.origin(r) != originSame {
			return &errRequest{status: http.StatusForbidden, title: "Request refused",
				message: "This request came from another site. Use the buttons on your sessions page instead.",
				reason:  "sessions: POST not from gatehouse's origin"}
		}
	default:
		return errSessionsMethod
	}
	auth, err := h.authenticate(r)
	if err != nil {
		return err
	}
	if auth == nil {
		return errNotLoggedIn // a browser comes back here after logging in
	}
	if auth.bearer != "" {
		return errSessionsBearer
	}
	if r.Method == http.MethodPost {
		return h.endUserSessions(w, r, auth.session)
	}
	views, total, err := h.listUserSessions(r.Context(), auth.session)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if wantsHTML(r) {
		h.renderSessionsPage(w, r, views, total)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return nil
	}
	return json.NewEncoder(w).Encode(sessionsList{Sessions: views, Total: total})
}

// listUserSessions returns the views of the user's live sessions (at most
// sessionsShown) and how many there are.
func (h *Handler) listUserSessions(ctx context.Context, current *session.Session) ([]sessionView, int, error) {
	sessions, err := h.liveSessionsOf(ctx, current.Subject)
	if err != nil {
		return nil, 0, err
	}
	views := make([]sessionView, 0, len(sessions))
	for _, s := range sessions {
		if s.ID == current.ID {
			s = current // this request may just have slid its idle timeout
		}
		views = append(views, viewOf(s, s.ID == current.ID))
	}
	slices.SortFunc(views, func(a, b sessionView) int {
		if a.Current != b.Current {
			if a.Current {
				return -1
			}
			return 1
		}
		return cmp.Or(b.LastSeenAt.Compare(a.LastSeenAt), cmp.Compare(a.ID, b.ID))
	})
	return views[:min(len(views), sessionsShown)], len(views), nil
}

func viewOf(s *session.Session, current bool) sessionView {
	desc := s.Device
	if desc == "" {
		desc = device.Unknown // recorded before gatehouse kept it
	}
	return sessionView{
		ID: session.HashID(s.ID), Current: current, Device: desc, Address: s.Address,
		CreatedAt: s.CreatedAt.UTC(), LastSeenAt: s.LastSeenAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(),
	}
}

// liveSessionsOf is the subject's sessions that the request path would still
// accept: the index may briefly list one past its idle or absolute timeout.
func (h *Handler) liveSessionsOf(ctx context.Context, subject string) ([]*session.Session, error) {
	sessions, err := h.store.SessionsBySubject(ctx, subject)
	if err != nil {
		return nil, err
	}
	now := h.now()
	return slices.DeleteFunc(sessions, func(s *session.Session) bool {
		return !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(h.opts.idleTimeout))
	}), nil
}

// endUserSessions ends the session the form names by its hash, or with
// all_others every session of the user but the current one. Only the user's
// own sessions are looked at, so another user's hash is 404 and ends
// nothing. Ending the current session this way signs this browser out here
// (cookie cleared) but not at the provider: that is the page's "Sign out"
// button, which is the logout endpoint.
func (h *Handler) endUserSessions(w http.ResponseWriter, r *http.Request, current *session.Session) error {
	r.Body = http.MaxBytesReader(w, r.Body, sessionsFormLimit)
	if err := r.ParseForm(); err != nil {
		return errSessionsForm
	}
	values := r.PostForm["end"]
	if len(values) != 1 || values[0] == "" {
		return errSessionsForm
	}
	target := values[0]
	sessions, err := h.liveSessionsOf(r.Context(), current.Subject)
	if err != nil {
		return err
	}
	var ids []string
	for _, s := range sessions {
		if target == endAllOthers && s.ID != current.ID || target == session.HashID(s.ID) {
			ids = append(ids, s.ID)
		}
	}
	if target != endAllOthers && len(ids) == 0 {
		return errSessionNotFound
	}
	ended, err := h.endSessions(r.Context(), ids)
	h.metrics.Logout(metrics.LogoutUserSessions, len(ended))
	if len(ended) > 0 {
		fields := []zap.Field{zap.String("kind", string(metrics.LogoutUserSessions)), zap.String("user", current.Subject),
			zap.Int("sessions", len(ended))}
		if target != endAllOthers {
			fields = append(fields, zap.String("session", target))
		}
		h.log(r.Context()).Info("logout", fields...)
	}
	if err != nil {
		return err
	}
	signedOut := slices.Contains(ended, current.ID)
	if signedOut {
		h.cookies.clearSession(w)
	}
	w.Header().Set("Cache-Control", "no-store")
	if wantsHTML(r) {
		if signedOut {
			h.signedOutPage(w, r, "/")
			return nil
		}
		// Post/redirect/get: a reload shows the list, it does not post again.
		http.Redirect(w, r, h.opts.publicURL+h.paths.sessions, http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	return json.NewEncoder(w).Encode(map[string]any{"ended": len(ended), "signed_out": signedOut})
}

// endSessions deletes the sessions from the shared store, as a logout does:
// every replica refuses them from then on (the Redis store also drops its
// client-side cached copies, and other replicas' caches are invalidated by
// Redis). Their upgraded connections on this replica close now; those on
// other replicas at their next session check. It stops at the first
// failure and returns what it ended until then.
func (h *Handler) endSessions(ctx context.Context, ids []string) ([]string, error) {
	ended := make([]string, 0, len(ids))
	for _, id := range ids {
		if err := h.store.Delete(ctx, id); err != nil {
			h.endUpgrades(ended...)
			return ended, err
		}
		ended = append(ended, id)
	}
	h.endUpgrades(ended...)
	return ended, nil
}
