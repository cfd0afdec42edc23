package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
)

// BenchmarkSeal seals tokens of the test provider's sizes (random base64,
// which compresses as real tokens do): the work every login and refresh
// does once. Report-only.
func BenchmarkSeal(b *testing.B) {
	random := func(n int) string {
		buf := make([]byte, n*3/4)
		_, _ = rand.Read(buf)
		return base64.RawURLEncoding.EncodeToString(buf)
	}
	tokens := Tokens{IDToken: random(880), AccessToken: random(290), RefreshToken: random(40)}
	key := NewKey()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Seal(key, "session-id", tokens); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSealConcurrently: seals made at once (with pooled compressors) each
// open to their own tokens.
func TestSealConcurrently(t *testing.T) {
	key := NewKey()
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				want := Tokens{IDToken: base64.RawURLEncoding.EncodeToString([]byte{byte(g), byte(i)}), AccessToken: string(rune('a' + g))}
				sealed, err := Seal(key, "id", want)
				if err == nil {
					var got Tokens
					if got, err = Open(key, "id", sealed); err == nil && got != want {
						err = errMismatch
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

var errMismatch = errors.New("opened other tokens than were sealed")
