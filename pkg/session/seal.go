package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// KeySize is the size of the per-session token key carried only by the cookie.
const KeySize = 32

// NewID returns a new 256-bit random session id, base64url without padding.
func NewID() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// NewKey returns a new random per-session token key.
func NewKey() []byte {
	return randomBytes(KeySize)
}

// HashID is the public form of a session id: what logs, the assertion's `sid`
// and operators see. The id itself is a bearer secret.
func HashID(id string) string {
	sum := sha256.Sum256([]byte("gatehouse session id\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return b
}

// Seal encrypts tokens with AES-256-GCM under key. The session id is the
// additional data, so a sealed blob cannot be moved to another session.
func Seal(key []byte, sessionID string, t Tokens) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("marshal tokens: %w", err)
	}
	nonce := randomBytes(aead.NonceSize())
	return aead.Seal(nonce, nonce, plain, []byte(sessionID)), nil
}

// Open reverses Seal.
func Open(key []byte, sessionID string, sealed []byte) (Tokens, error) {
	var t Tokens
	if len(sealed) == 0 {
		return t, nil
	}
	aead, err := newAEAD(key)
	if err != nil {
		return t, err
	}
	if len(sealed) < aead.NonceSize() {
		return t, errors.New("open tokens: sealed value too short")
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, []byte(sessionID))
	if err != nil {
		return t, fmt.Errorf("open tokens: %w", err)
	}
	if err := json.Unmarshal(plain, &t); err != nil {
		return t, fmt.Errorf("unmarshal tokens: %w", err)
	}
	return t, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("session key has %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return cipher.NewGCM(block)
}
