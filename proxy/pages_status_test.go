package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRenderPageStatusLine checks the small line under every page: the "·"
// separates the status from the request id and never stands alone in front
// of the request id (the "Signed out" page has no status).
func TestRenderPageStatusLine(t *testing.T) {
	tests := []struct {
		name   string
		status int
		id     string
		want   string
	}{
		{"status and id", http.StatusForbidden, "abc123", `<p class="status">HTTP 403 · request abc123</p>`},
		{"id only", 0, "abc123", `<p class="status">request abc123</p>`},
		{"status only", http.StatusBadGateway, "", `<p class="status">HTTP 502</p>`},
		{"neither", 0, "", `<p class="status"></p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/oauth2/signed-out", nil)
			r = r.WithContext(context.WithValue(r.Context(), requestStateKey{}, &requestState{id: tt.id}))
			w := httptest.NewRecorder()
			renderPage(w, r, page{Status: tt.status, Title: "Signed out", Message: "You are signed out."})
			if body := w.Body.String(); !strings.Contains(body, tt.want) {
				t.Errorf("status line: want %s in\n%s", tt.want, body)
			}
		})
	}
}
