package authz

import (
	"iter"
	"net/netip"

	"github.com/gatehouse/gatehouse/internal/session"
)

// Request is what policy knows of a request: its cleaned path, its method
// and the client's address. A part the caller cannot vouch for is unknown:
// Path "" (forward-auth from a peer whose original URI is not believed),
// MethodKnown false (forward-auth without a believed X-Forwarded-Method), an
// invalid Source. An unknown part never makes a conditioned public path
// apply, and it makes every rule apply that it might (fail closed).
type Request struct {
	// Path is cleaned by CleanPath; "" is unknown.
	Path string
	// Method is as sent on the request line (or by a trusted proxy).
	// Method override headers and "_method" fields never take part.
	Method      string
	MethodKnown bool
	// Source is the client address after trusted_proxies; the zero Addr
	// is unknown.
	Source netip.Addr
}

// match is how surely a rule governs a request.
type match int

const (
	noMatch    match = iota
	maybeMatch       // an unknown part or an unusual method might make it apply
	sureMatch
)

// governing yields the rules that govern req in order: every rule that may
// apply, up to and including the first that surely applies. The user must
// pass all of them: when a part of the request is unknown, or its method is
// one an application might read as another, any of those rules could be
// the one that would apply.
func (p *Policy) governing(req Request) iter.Seq[*rule] {
	return func(yield func(*rule) bool) {
		for i := range p.rules {
			r := &p.rules[i]
			m := r.cond.governs(req)
			if req.Path == "" {
				m = min(m, maybeMatch)
			} else if !r.path.match(req.Path) {
				continue
			}
			if m == noMatch {
				continue
			}
			if !yield(r) || m == sureMatch {
				return
			}
		}
	}
}

// readings returns req once for each path reading that policy must hold
// for (see scriptReadings), in an array so the request path allocates
// nothing: the first n are used.
func (p *Policy) readings(req Request) (out [2]Request, n int) {
	if req.Path == "" {
		out[0] = req
		return out, 1
	}
	first, second := p.scriptReadings(req.Path)
	out[0], out[0].Path = req, first
	if second == "" {
		return out, 1
	}
	out[1], out[1].Path = req, second
	return out, 2
}

// Public reports whether req skips authentication: a public path matches
// it, and that entry's methods and source addresses (when set) hold for it.
// With authorization.script_prefixes it is matched with the front controller
// stripped (see scriptReadings).
func (p *Policy) Public(req Request) bool {
	if req.Path == "" {
		return false
	}
	readings, n := p.readings(req)
	for _, r := range readings[:n] {
		if !p.public1(r) {
			return false
		}
	}
	return true
}

func (p *Policy) public1(req Request) bool {
	for _, e := range p.public {
		if e.path.match(req.Path) && e.cond.admits(req) {
			return true
		}
	}
	return false
}

// Allows reports whether the user passes the top-level requirements and
// those of every rule that governs req (see governing), for every reading
// of its path. Step-up (StepUp) is asked separately.
func (p *Policy) Allows(req Request, s *session.Session) bool {
	if !p.base.allows(s) {
		return false
	}
	readings, n := p.readings(req)
	for _, r := range readings[:n] {
		for rl := range p.governing(r) {
			if !rl.req.allows(s) {
				return false
			}
		}
	}
	return true
}

// AllowsEverywhere reports whether the user passes the top-level requirements
// and every rule. It decides when the path is unknown (a forward-auth request
// from a peer whose X-Forwarded-Uri is not believed): failing closed, since any
// path might be behind it.
func (p *Policy) AllowsEverywhere(s *session.Session) bool {
	return p.Allows(Request{}, s)
}
