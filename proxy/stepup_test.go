package proxy

import (
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
)

func TestIDTokenStrength(t *testing.T) {
	token := func(payload string) string {
		return "e30." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	}
	for _, tc := range []struct {
		name, token string
		acr         string
		authTime    int64
		wantErr     bool
	}{
		{"both", token(`{"acr":"mfa","auth_time":1800000000}`), "mfa", 1800000000, false},
		{"neither", token(`{"sub":"x"}`), "", 0, false},
		{"acr not a string", token(`{"acr":2}`), "", 0, true},
		{"auth_time a string", token(`{"auth_time":"1800000000"}`), "", 0, true},
		{"auth_time negative", token(`{"auth_time":-1}`), "", 0, true},
		{"not a JWS", "opaque", "", 0, true},
		{"payload not JSON", "e30.bm90.c2ln", "", 0, true},
	} {
		acr, authTime, err := idTokenStrength(tc.token)
		if (err != nil) != tc.wantErr || acr != tc.acr || (tc.authTime != 0) != !authTime.IsZero() ||
			(tc.authTime != 0 && authTime.Unix() != tc.authTime) {
			t.Errorf("%s: %q, %v, %v", tc.name, acr, authTime, err)
		}
	}
}

func TestStepUpChallengeAndParams(t *testing.T) {
	for _, tc := range []struct {
		step      authz.StepUp
		challenge string
		params    url.Values
	}{
		{authz.StepUp{ACRValues: []string{"mfa", "hwk"}},
			`Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa hwk"`,
			url.Values{"acr_values": {"mfa hwk"}}},
		{authz.StepUp{MaxAge: 15 * time.Minute, HasMaxAge: true},
			`Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", max_age=900`,
			url.Values{"max_age": {"900"}}},
		{authz.StepUp{ACRValues: []string{"mfa"}, HasMaxAge: true},
			`Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa", max_age=0`,
			url.Values{"acr_values": {"mfa"}, "max_age": {"0"}, "prompt": {"login"}}},
	} {
		if got := stepUpChallenge(tc.step); got != tc.challenge {
			t.Errorf("challenge %+v = %s", tc.step, got)
		}
		got := url.Values{"prompt": {"none"}, "login_hint": {"ann"}}
		stepUpParams(tc.step, got)
		tc.params.Set("login_hint", "ann")
		if tc.params.Get("prompt") == "" {
			tc.params.Set("prompt", "none")
		}
		if got.Encode() != tc.params.Encode() {
			t.Errorf("params %+v = %v, want %v", tc.step, got, tc.params)
		}
	}
}
