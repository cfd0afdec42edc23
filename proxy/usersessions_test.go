package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// listFailStore fails to list sessions as an unreachable Redis does: a
// fault the memory store cannot produce.
type listFailStore struct{ sessionStore }

func (listFailStore) SessionsBySubject(context.Context, string) ([]*session.Session, error) {
	return nil, session.ErrUnavailable
}

func decodeList(t *testing.T, body string) sessionsList {
	t.Helper()
	var list sessionsList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatalf("JSON %q: %v", body, err)
	}
	return list
}

// TestUserSessionsList: which sessions the list shows, in which order, and
// how records from before devices were kept appear.
func TestUserSessionsList(t *testing.T) {
	cases := []struct {
		name string
		// others are further sessions of the user, each changed by its func
		// (nil: as created), added after the current one.
		others []func(*session.Session)
		// advance moves the clock after the sessions are made.
		advance time.Duration
		want    func(t *testing.T, list sessionsList)
	}{
		{
			name: "an old record shows Unknown device and no address",
			want: func(t *testing.T, list sessionsList) {
				if len(list.Sessions) != 1 || list.Sessions[0].Device != "Unknown device" || list.Sessions[0].Address != "" {
					t.Errorf("got %+v", list.Sessions)
				}
			},
		},
		{
			name: "current first, then the most recently seen",
			others: []func(*session.Session){
				func(s *session.Session) { s.Device, s.LastSeenAt = "older", s.LastSeenAt.Add(-2*time.Hour) },
				func(s *session.Session) { s.Device, s.Address = "newer", "198.51.100.0/24" },
			},
			want: func(t *testing.T, list sessionsList) {
				var got []string
				for _, v := range list.Sessions {
					got = append(got, v.Device)
				}
				if strings.Join(got, ",") != "Unknown device,newer,older" || !list.Sessions[0].Current || list.Sessions[1].Current {
					t.Errorf("order %q (current: %v)", got, list.Sessions[0].Current)
				}
				if list.Sessions[1].Address != "198.51.100.0/24" {
					t.Errorf("address %q", list.Sessions[1].Address)
				}
			},
		},
		{
			name: "idle and absolutely expired sessions are not listed",
			others: []func(*session.Session){
				func(s *session.Session) { s.LastSeenAt = s.LastSeenAt.Add(-9 * time.Hour) }, // idle_timeout 8h
				func(s *session.Session) { s.ExpiresAt = s.CreatedAt.Add(time.Minute) },
			},
			advance: 2 * time.Minute,
			want: func(t *testing.T, list sessionsList) {
				if len(list.Sessions) != 1 || list.Total != 1 {
					t.Errorf("got %d of %d, want only the current session", len(list.Sessions), list.Total)
				}
			},
		},
		{
			name:   "at most sessionsShown are listed, total counts all",
			others: make([]func(*session.Session), sessionsShown+4),
			want: func(t *testing.T, list sessionsList) {
				if len(list.Sessions) != sessionsShown || list.Total != sessionsShown+5 || !list.Sessions[0].Current {
					t.Errorf("got %d of %d", len(list.Sessions), list.Total)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t)
			cur, cookie := u.addSession(t, "alice", nil)
			for _, m := range tc.others {
				if m == nil {
					m = func(*session.Session) {}
				}
				u.addSession(t, "alice", nil, m)
			}
			u.addSession(t, "bob", nil) // never in Alice's list
			u.clock.Advance(tc.advance)
			w := u.do(http.MethodGet, "/oauth2/sessions", "Cookie", cookie, "Accept", api)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if strings.Contains(w.Body.String(), cur.ID) {
				t.Fatal("the list holds the session id")
			}
			tc.want(t, decodeList(t, w.Body.String()))
		})
	}
}

// TestUserSessionsRefusals: answers that end nothing.
func TestUserSessionsRefusals(t *testing.T) {
	same := []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://gate.test"}
	cases := []struct {
		name   string
		env    []string
		method string
		body   string
		header []string
		store  func(sessionStore) sessionStore
		bearer bool
		want   int
	}{
		{name: "no end field", method: http.MethodPost, header: same, want: http.StatusBadRequest},
		{name: "end field twice", method: http.MethodPost, body: "end=a&end=b", header: same, want: http.StatusBadRequest},
		{name: "end in the query only", method: http.MethodPost, header: same, want: http.StatusBadRequest},
		{name: "oversized body", method: http.MethodPost, body: "end=" + strings.Repeat("a", sessionsFormLimit), header: same, want: http.StatusBadRequest},
		{name: "unknown hash", method: http.MethodPost, body: "end=nope", header: same, want: http.StatusNotFound},
		{name: "cross-site", method: http.MethodPost, body: "end=all_others", header: []string{"Sec-Fetch-Site", "cross-site"}, want: http.StatusForbidden},
		{name: "PATCH", method: http.MethodPatch, want: http.StatusMethodNotAllowed},
		{name: "store down", method: http.MethodGet, store: func(s sessionStore) sessionStore { return listFailStore{s} }, want: http.StatusServiceUnavailable},
		{name: "bearer token", method: http.MethodGet, env: []string{"GATEHOUSE_BEARER_ENABLED=true", "GATEHOUSE_BEARER_AUDIENCES=api"}, bearer: true, want: http.StatusForbidden},
		{name: "disabled", method: http.MethodGet, env: []string{"GATEHOUSE_USER_SESSIONS_ENABLED=false"}, want: http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t, tc.env...)
			_, cookie := u.addSession(t, "alice", nil)
			other, _ := u.addSession(t, "alice", nil)
			if tc.store != nil {
				u.h.store = tc.store(u.h.store)
			}
			header := append([]string{"Accept", api, "Content-Type", "application/x-www-form-urlencoded"}, tc.header...)
			if tc.bearer {
				u.idp.bearer = func(string) (map[string]any, error) { return map[string]any{"sub": "alice"}, nil }
				header = append(header, "Authorization", "Bearer token")
			} else {
				header = append(header, "Cookie", cookie)
			}
			target := "/oauth2/sessions"
			if tc.name == "end in the query only" {
				target += "?end=all_others"
			}
			w := u.doWith(tc.method, target, tc.body, header...)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if _, err := u.store.Load(context.Background(), other.ID); err != nil {
				t.Errorf("the other session is gone: %v", err)
			}
		})
	}
}

// doWith serves one request with a body and headers (name, value pairs).
func (u *unit) doWith(method, target, body string, header ...string) *httptest.ResponseRecorder {
	return u.serve(httptest.NewRequest(method, "http://gate.test"+target, strings.NewReader(body)), header)
}
