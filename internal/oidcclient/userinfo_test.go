package oidcclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestAddUserinfo runs addUserinfo against a userinfo endpoint that answers
// as each case says (a test server: the faults are the point).
func TestAddUserinfo(t *testing.T) {
	idToken := func() map[string]any {
		return map[string]any{"sub": "u1", "iss": "https://idp", "email": "id@example.com"}
	}
	cases := []struct {
		name        string
		mode        string
		needed      []string
		status      int
		contentType string
		body        string
		wantCalls   int
		wantErr     error
		wantEmail   string
		wantIss     string
		wantWarn    bool
	}{
		{name: "auto, ID token complete", mode: UserinfoAuto, needed: []string{"sub", "email"}, wantCalls: 0, wantEmail: "id@example.com"},
		{name: "auto, a claim missing", mode: UserinfoAuto, needed: []string{"groups"}, status: 200,
			body: `{"sub":"u1","email":"ui@example.com","groups":["g"]}`, wantCalls: 1, wantEmail: "ui@example.com"},
		{name: "never", mode: UserinfoNever, needed: []string{"groups"}, wantCalls: 0, wantEmail: "id@example.com"},
		{name: "always", mode: UserinfoAlways, status: 200, body: `{"sub":"u1","email":"ui@example.com"}`, wantCalls: 1, wantEmail: "ui@example.com"},
		{name: "another subject is ignored", mode: UserinfoAlways, status: 200, body: `{"sub":"u2","email":"boss@example.com"}`,
			wantCalls: 1, wantEmail: "id@example.com", wantWarn: true},
		{name: "no subject is ignored", mode: UserinfoAlways, status: 200, body: `{"email":"boss@example.com"}`,
			wantCalls: 1, wantEmail: "id@example.com", wantWarn: true},
		{name: "token metadata never from userinfo", mode: UserinfoAlways, status: 200, body: `{"sub":"u1","iss":"https://evil"}`,
			wantCalls: 1, wantEmail: "id@example.com", wantIss: "https://idp"},
		{name: "signed response skipped", mode: UserinfoAlways, status: 200, contentType: "application/jwt", body: "a.b.c",
			wantCalls: 1, wantEmail: "id@example.com", wantWarn: true},
		{name: "401", mode: UserinfoAlways, status: 401, wantCalls: 1, wantErr: ErrUserinfoUnauthorized},
		{name: "500", mode: UserinfoAlways, status: 500, wantCalls: 1, wantErr: ErrUserinfo},
		{name: "not JSON", mode: UserinfoAlways, status: 200, body: "<html>", wantCalls: 1, wantErr: ErrUserinfo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				if got := r.Header.Get("Authorization"); got != "Bearer at-1" {
					t.Errorf("Authorization = %q, want Bearer at-1", got)
				}
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			core, logs := observer.New(zap.WarnLevel)
			c := New(Options{Userinfo: tc.mode, NeededClaims: tc.needed}, zap.New(core))
			claims := idToken()
			err := c.addUserinfo(context.Background(), srv.URL, "at-1", "u1", claims)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if calls != tc.wantCalls {
				t.Errorf("%d userinfo calls, want %d", calls, tc.wantCalls)
			}
			if tc.wantErr == nil && claims["email"] != tc.wantEmail {
				t.Errorf("email = %v, want %s", claims["email"], tc.wantEmail)
			}
			if tc.wantIss != "" && claims["iss"] != tc.wantIss {
				t.Errorf("iss = %v, want %s", claims["iss"], tc.wantIss)
			}
			if got := logs.Len() > 0; got != tc.wantWarn {
				t.Errorf("warned %t, want %t", got, tc.wantWarn)
			}
		})
	}
}
