package proxy

import (
	"encoding/json"
	"net/http"
	"time"
)

// errNotLoggedInAPI is 401 JSON also for a browser navigation.
var errNotLoggedInAPI = &errRequest{status: http.StatusUnauthorized, code: "unauthorized", message: "login required"}

// userinfoResponse is the identity a single-page app may read. It never holds
// a token.
type userinfoResponse struct {
	Subject           string   `json:"sub"`
	Email             string   `json:"email,omitempty"`
	Name              string   `json:"name,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Groups            []string `json:"groups"`
	// ExpiresAt is the session's absolute expiry (for a bearer token, its
	// exp); an idle session may end sooner.
	ExpiresAt time.Time `json:"expires_at"`
}

// userinfo answers who is logged in: the session's (or bearer token's)
// identity as JSON, 401 when not logged in. The path policy does not apply:
// it only tells users who they are.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return &errRequest{status: http.StatusMethodNotAllowed, code: "method_not_allowed", message: "use GET",
			header: [2]string{"Allow", "GET, HEAD"}}
	}
	auth, err := h.authenticate(r)
	if err != nil {
		return err
	}
	if auth == nil {
		// JSON even for a browser: only scripts ask who is logged in.
		return errNotLoggedInAPI
	}
	s := auth.session
	groups := s.Groups
	if groups == nil {
		groups = []string{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return nil
	}
	_ = json.NewEncoder(w).Encode(userinfoResponse{
		Subject: s.Subject, Email: s.Email, Name: s.Name, PreferredUsername: s.PreferredUsername,
		Groups: groups, ExpiresAt: s.ExpiresAt.UTC(),
	})
	return nil
}
