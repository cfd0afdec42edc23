// Package cookie encodes gatehouse's cookie values: authenticated and encrypted
// with gorilla/securecookie under keys derived from the configured secrets, so
// that secrets rotate by prepending a new one.
package cookie

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/securecookie"
)

// ErrInvalid means a cookie value did not decode under any configured key: it was
// tampered with, truncated, expired or made with a retired secret. Callers treat
// it as absent.
var ErrInvalid = errors.New("cookie: invalid value")

// maxValueLength bounds encoded values. Browsers cap a cookie near 4 KiB; a
// larger value is an attack, not a session.
const maxValueLength = 4096

// Codec encodes and decodes cookie values. The first secret encodes, every
// secret decodes.
type Codec struct {
	codecs []securecookie.Codec
}

// NewCodec derives a hash key and a block key from each secret with
// HKDF-SHA256. maxAge bounds how old an encoded value may be when decoded
// (securecookie embeds the timestamp and checks it).
func NewCodec(secrets [][]byte, maxAge time.Duration) (*Codec, error) {
	if len(secrets) == 0 {
		return nil, errors.New("cookie: no secrets configured")
	}
	c := &Codec{}
	for i, secret := range secrets {
		hashKey, err := hkdf.Key(sha256.New, secret, nil, "gatehouse cookie hash key", 64)
		if err != nil {
			return nil, fmt.Errorf("derive hash key from cookie secret %d: %w", i+1, err)
		}
		blockKey, err := hkdf.Key(sha256.New, secret, nil, "gatehouse cookie block key", 32)
		if err != nil {
			return nil, fmt.Errorf("derive block key from cookie secret %d: %w", i+1, err)
		}
		sc := securecookie.New(hashKey, blockKey)
		sc.MaxAge(int(maxAge / time.Second))
		sc.MaxLength(maxValueLength)
		// gob would let a decoded value carry any registered type; JSON keeps
		// decoding to the plain structs we ask for.
		sc.SetSerializer(securecookie.JSONEncoder{})
		c.codecs = append(c.codecs, sc)
	}
	return c, nil
}

// Encode seals value for the cookie called name (the name is authenticated too,
// so a value cannot be moved to another cookie).
func (c *Codec) Encode(name string, value any) (string, error) {
	s, err := c.codecs[0].Encode(name, value)
	if err != nil {
		return "", fmt.Errorf("encode cookie %q: %w", name, err)
	}
	return s, nil
}

// Decode opens a value made by Encode with any configured secret. Any failure
// is ErrInvalid: the reason (bad MAC, expired, too long) is not the caller's
// concern and must not turn into a server error.
func (c *Codec) Decode(name, encoded string, dst any) error {
	if len(encoded) > maxValueLength {
		return ErrInvalid
	}
	for _, sc := range c.codecs {
		if err := sc.Decode(name, encoded, dst); err == nil {
			return nil
		}
	}
	return ErrInvalid
}
