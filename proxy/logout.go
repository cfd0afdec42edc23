package proxy

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/pkg/metrics"
	"github.com/gatehouse/gatehouse/pkg/session"
)

// logout ends this browser's session: the server-side record is deleted, so the
// cookie is worthless everywhere at once, and the cookie is expired.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		h.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Use GET or POST to log out.")
		return
	}
	h.cookies.clearSession(w)
	for _, ref := range h.cookies.sessionRefs(r) {
		if err := h.store.Delete(r.Context(), ref.ID); err != nil {
			h.storeUnavailable(w, r, err)
			return
		}
		h.metrics.SessionDeleted(metrics.DeletedLogout)
		h.logger.Info("logout", zap.String("session", session.HashID(ref.ID)))
	}
	h.metrics.Logout(metrics.LogoutUser)
	if rd := r.URL.Query().Get("rd"); rd != "" {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, h.rd.Validate(rd), http.StatusFound)
		return
	}
	renderPage(w, r, page{
		Title:    "Signed out",
		Message:  "You have been signed out.",
		Link:     h.startURL("/"),
		LinkText: "Sign in again",
	})
}
