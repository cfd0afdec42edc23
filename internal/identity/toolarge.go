package identity

import (
	"errors"
	"fmt"
)

// ErrIdentityTooLarge means a claim is too long for identity.max_header_bytes
// on its own (trimming groups cannot make room). The login is refused: an
// identity header or assertion over the cap would be refused by the upstream
// (nginx, PHP), and a shortened claim would state another identity.
var ErrIdentityTooLarge = errors.New("identity: claim too long for identity.max_header_bytes")

// TooLargeError says which claim did not fit where. It never holds the
// claim's value.
type TooLargeError struct {
	Claim    string // the claim's name
	Where    string // "the signed assertion" or a header name
	MaxBytes int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%v: claim %q does not fit in %s (identity.max_header_bytes %d)",
		ErrIdentityTooLarge, e.Claim, e.Where, e.MaxBytes)
}

// Is makes errors.Is(err, ErrIdentityTooLarge) hold.
func (e *TooLargeError) Is(target error) bool { return target == ErrIdentityTooLarge }

func tooLarge(claim, where string, maxBytes int) error {
	return &TooLargeError{Claim: claim, Where: where, MaxBytes: maxBytes}
}
