package session

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
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

// TestSealCompressesAndOpensOldRecords: tokens are compressed before sealing
// (a third smaller for JWTs), and a value sealed before compression existed
// still opens.
func TestSealCompressesAndOpensOldRecords(t *testing.T) {
	key := NewKey()
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://idp.example.com","sub":"alice-id","aud":"gatehouse","email":"alice@example.com","groups":["admins","staff"]}`))
	in := Tokens{IDToken: "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln", AccessToken: "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln", RefreshToken: "rt"}
	plain, _ := json.Marshal(in)
	sealed, err := Seal(key, "s", in)
	if err != nil {
		t.Fatal(err)
	}
	if overhead := 12 + 16; len(sealed)-overhead >= len(plain) {
		t.Errorf("sealed %d bytes for %d bytes of tokens: not compressed", len(sealed)-overhead, len(plain))
	}
	if out, err := Open(key, "s", sealed); err != nil || out != in {
		t.Fatalf("Open = %+v, %v", out, err)
	}

	// A value sealed the old way: AES-GCM over the JSON itself.
	aead, _ := newAEAD(key)
	nonce := randomBytes(aead.NonceSize())
	old := aead.Seal(nonce, nonce, plain, []byte("s"))
	if out, err := Open(key, "s", old); err != nil || out != in {
		t.Fatalf("Open of an uncompressed value = %+v, %v", out, err)
	}
}
