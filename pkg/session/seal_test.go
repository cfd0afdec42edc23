package session

import (
	"bytes"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := NewKey()
	in := Tokens{IDToken: "id.token.value", AccessToken: "access-token-value", RefreshToken: "refresh-token-value"}
	sealed, err := Seal(key, "session-a", in)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{in.IDToken, in.AccessToken, in.RefreshToken} {
		if bytes.Contains(sealed, []byte(secret)) {
			t.Fatalf("sealed value contains %q in the clear", secret)
		}
	}
	out, err := Open(key, "session-a", sealed)
	if err != nil || out != in {
		t.Fatalf("Open = %+v, %v", out, err)
	}
	if _, err := Open(NewKey(), "session-a", sealed); err == nil {
		t.Error("opened with another key")
	}
	if _, err := Open(key, "session-b", sealed); err == nil {
		t.Error("opened as another session")
	}
	if _, err := Open(key, "session-a", sealed[:5]); err == nil {
		t.Error("opened a truncated value")
	}
}

func TestNewIDIsRandom256Bit(t *testing.T) {
	a, b := NewID(), NewID()
	if a == b || len(a) != 43 {
		t.Fatalf("ids %q %q", a, b)
	}
	if HashID(a) == a || HashID(a) != HashID(a) {
		t.Fatal("HashID is not a stable hash")
	}
}
