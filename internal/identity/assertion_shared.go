package identity

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// The methods here let the proxy share a session's assertion between
// replicas (kept beside the session record in the store): an assertion one
// replica signed is adopted into another's cache instead of signed again.
// Reuse follows the rules of Assertion: the same session and identity, and
// only until half of the assertion's lifetime is gone.

// Cached returns the assertion this process holds for s, when it states s's
// identity and is not due for renewal; it never signs.
func (a *Asserter) Cached(s *session.Session) (string, bool) {
	if e, ok := a.cache.Get(s.ID); ok && e.identity.sameIdentity(s) {
		return e.token, true
	}
	return "", false
}

// AssertionUntil is Assertion, and until when the assertion returned may be
// reused: half its lifetime from the moment of the call. An assertion signed
// by a concurrent call a moment earlier is renewed that moment later, which
// still leaves it nearly half its lifetime.
func (a *Asserter) AssertionUntil(s *session.Session) (string, time.Time, error) {
	until := a.opts.Now().Add(a.opts.TTL / 2)
	token, err := a.Assertion(s)
	return token, until, err
}

// Adopt keeps token, an assertion for s that another replica signed and that
// is to be renewed at until, for reuse by Assertion and Cached. It reports
// false, keeping nothing, when until has passed by this process's clock.
// The groups-trimmed warning was the signer's to give.
func (a *Asserter) Adopt(s *session.Session, token string, until time.Time) bool {
	if !a.opts.Now().Before(until) {
		return false
	}
	a.cache.Put(s.ID, &cached{identity: a.identityOf(s, session.HashID(s.ID)), token: token, warned: true}, until)
	return true
}

// KeyID is the kid of the key that signs: an assertion kept for reuse is
// bound to it, so that a rotated-out key signs nothing more.
func (a *Asserter) KeyID() string { return a.opts.Signer.KID() }
