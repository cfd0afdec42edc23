package authz

import (
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

// StepUp is the login strength a rule asks for (authorization.rules[].
// acr_values and max_age). It travels in the login state cookie, so that
// the callback checks the login against what was asked for.
type StepUp struct {
	// ACRValues: the login's acr must be one of these (none: any).
	ACRValues []string `json:"acr,omitempty"`
	// MaxAge, when HasMaxAge: the login's auth_time must be at most this
	// long ago.
	MaxAge    time.Duration `json:"max_age,omitempty"`
	HasMaxAge bool          `json:"has_max_age,omitempty"`
}

func newStepUp(r config.Rule) StepUp {
	u := StepUp{ACRValues: slices.Clone(r.ACRValues)}
	if r.MaxAge != "" {
		u.MaxAge, _ = config.ParseMaxAge(r.MaxAge) // validated
		u.HasMaxAge = true
	}
	return u
}

// Required reports whether u asks for anything.
func (u StepUp) Required() bool { return len(u.ACRValues) > 0 || u.HasMaxAge }

// SatisfiedBy reports whether a login with acr at authTime meets u at now.
// skew (oidc.clock_skew) is allowed on max_age, so that a max_age of 0 is
// met by the login that it has just caused.
func (u StepUp) SatisfiedBy(acr string, authTime, now time.Time, skew time.Duration) bool {
	if len(u.ACRValues) > 0 && !slices.Contains(u.ACRValues, acr) {
		return false
	}
	if u.HasMaxAge && (authTime.IsZero() || now.Sub(authTime) > u.MaxAge+skew) {
		return false
	}
	return true
}

// StepUp returns the first step-up of the rules that govern req (see
// governing) that s does not meet; ok is false when s meets them all.
func (p *Policy) StepUp(req Request, s *session.Session, now time.Time, skew time.Duration) (u StepUp, ok bool) {
	readings, n := p.readings(req)
	for _, r := range readings[:n] {
		for rl := range p.governing(r) {
			if rl.step.Required() && !rl.step.SatisfiedBy(s.ACR, s.AuthTime, now, skew) {
				return rl.step, true
			}
		}
	}
	return StepUp{}, false
}

// LoginStepUp is what a login that returns to req should ask for: the
// first step-up among the rules that govern it, so that a user sent to log
// in on the way to /admin logs in strongly enough at once.
func (p *Policy) LoginStepUp(req Request) StepUp {
	readings, n := p.readings(req)
	for _, r := range readings[:n] {
		for rl := range p.governing(r) {
			if rl.step.Required() {
				return rl.step
			}
		}
	}
	return StepUp{}
}
