package testidp_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestIDTokensCarrySID: back- and front-channel logout tests rely on a sid
// that names one login, survives its refreshes and differs between logins.
func TestIDTokensCarrySID(t *testing.T) {
	p, r := setup(t)
	first := login(t, p, r, testidp.Alice.Username, testidp.AlicePassword)
	sid := testidp.SessionID(t, first.IDToken)
	if sid == "" {
		t.Fatal("ID token has no sid")
	}
	next, err := refresh(t, r, first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if next.IDTokenClaims == nil || next.IDTokenClaims.SessionID != sid {
		t.Fatalf("refreshed ID token sid = %+v, want %q", next.IDTokenClaims, sid)
	}
	second := login(t, p, r, testidp.Alice.Username, testidp.AlicePassword)
	bob := login(t, p, r, testidp.Bob.Username, testidp.BobPassword)
	for name, other := range map[string]string{"second login": second.IDToken, "bob": bob.IDToken} {
		if got := testidp.SessionID(t, other); got == "" || got == sid {
			t.Errorf("%s: sid %q, want a new one", name, got)
		}
	}
}
