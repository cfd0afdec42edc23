package session

import (
	"bytes"
	"compress/flate"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
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
	plain, err = compress(plain)
	if err != nil {
		return nil, err
	}
	nonce := randomBytes(aead.NonceSize())
	return aead.Seal(nonce, nonce, plain, []byte(sessionID)), nil
}

// deflated marks sealed tokens compressed with DEFLATE. Tokens are base64
// text and shrink by about a third, which keeps a session record under 2 KiB
// in Redis. Records sealed before compression start with '{' and still open.
// (Compressing before encrypting leaks nothing here: the sealed length is
// visible only to the store, and no one else's data is mixed into a token.)
const deflated = 0x01

// writers pools the DEFLATE writers: a new one allocates and clears about
// 800 KiB of tables, which made up most of the CPU a login costs (bench/
// login storm). Reset gives the same output as a new writer.
var writers = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestCompression) // a valid level: no error
	return w
}}

func compress(plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(deflated)
	w := writers.Get().(*flate.Writer)
	defer writers.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("compress tokens: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compress tokens: %w", err)
	}
	return buf.Bytes(), nil
}

// maxTokensSize bounds what decompression may produce: a sealed value is
// authenticated, so this only guards against our own bugs, not attackers.
const maxTokensSize = 1 << 20

func decompress(plain []byte) ([]byte, error) {
	if len(plain) == 0 || plain[0] != deflated {
		return plain, nil // sealed before compression
	}
	r := flate.NewReader(bytes.NewReader(plain[1:]))
	defer func() { _ = r.Close() }()
	out, err := io.ReadAll(io.LimitReader(r, maxTokensSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompress tokens: %w", err)
	}
	if len(out) > maxTokensSize {
		return nil, errors.New("decompress tokens: too large")
	}
	return out, nil
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
	if plain, err = decompress(plain); err != nil {
		return t, err
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
