// Package authz is gatehouse's access policy: which paths are public, and who
// may reach the others. One policy serves the reverse proxy, forward-auth and
// bearer-token requests alike. Paths are matched only in the canonical form
// that CleanPath returns.
package authz

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

// Policy is a compiled authorization section. It is immutable.
type Policy struct {
	base   requirement
	rules  []rule
	public []publicEntry
	// scripts are authorization.script_prefixes (script.go).
	scripts []string
}

type rule struct {
	path matcher
	req  requirement
	cond conditions // conditions.go
	step StepUp     // stepup.go
}

// publicEntry is one of authorization.public_paths.
type publicEntry struct {
	path matcher
	cond conditions
}

// requirement is one set of conditions; empty lists impose nothing.
type requirement struct {
	emails    map[string]bool // lower-cased
	domains   map[string]bool // lower-cased, exact
	wildcards []string        // ".example.gov" for "*.example.gov"
	groups    map[string]bool
	claims    []claimRequirement
}

// claimRequirement: the claim at ref must have the value want (as text; for
// a list, one element).
type claimRequirement struct {
	ref  claims.Ref
	want string
}

// New compiles a validated authorization section.
func New(cfg config.Authorization) (*Policy, error) {
	base, err := newRequirement(cfg.AllowedEmails, cfg.AllowedEmailDomains, cfg.AllowedGroups, cfg.RequiredClaims)
	if err != nil {
		return nil, fmt.Errorf("authorization.required_claims: %w", err)
	}
	p := &Policy{base: base, scripts: slices.Clone(cfg.ScriptPrefixes)}
	for i, pub := range cfg.PublicPaths {
		e, err := newPublicEntry(pub)
		if err != nil {
			return nil, fmt.Errorf("authorization.public_paths[%d]: %w", i, err)
		}
		p.public = append(p.public, e)
	}
	for i, r := range cfg.Rules {
		m, err := newMatcher(r.Path)
		if err != nil {
			return nil, fmt.Errorf("authorization.rules[%d].path: %w", i, err)
		}
		req, err := newRequirement(r.AllowedEmails, r.AllowedEmailDomains, r.AllowedGroups, r.RequiredClaims)
		if err != nil {
			return nil, fmt.Errorf("authorization.rules[%d].required_claims: %w", i, err)
		}
		cond, err := newConditions(r.Methods, r.SourceIPs)
		if err != nil {
			return nil, fmt.Errorf("authorization.rules[%d]: %w", i, err)
		}
		p.rules = append(p.rules, rule{path: m, req: req, cond: cond, step: newStepUp(r)})
	}
	return p, nil
}

func newMatcher(s string) (matcher, error) {
	if strings.HasPrefix(s, "^") {
		re, err := regexp.Compile(s)
		if err != nil {
			return matcher{}, err
		}
		return matcher{re: re}, nil
	}
	return matcher{prefix: s}, nil
}

func newRequirement(emails, domains, groups []string, required map[string]string) (requirement, error) {
	var r requirement
	for _, name := range slices.Sorted(maps.Keys(required)) {
		ref, err := claims.Parse(name)
		if err != nil {
			return requirement{}, err
		}
		r.claims = append(r.claims, claimRequirement{ref: ref, want: required[name]})
	}
	if len(emails) > 0 {
		r.emails = map[string]bool{}
		for _, e := range emails {
			r.emails[strings.ToLower(e)] = true
		}
	}
	for _, d := range domains {
		d = strings.ToLower(d)
		if rest, ok := strings.CutPrefix(d, "*."); ok {
			r.wildcards = append(r.wildcards, "."+rest)
			continue
		}
		if r.domains == nil {
			r.domains = map[string]bool{}
		}
		r.domains[d] = true
	}
	if len(groups) > 0 {
		r.groups = map[string]bool{}
		for _, g := range groups {
			r.groups[g] = true
		}
	}
	return r, nil
}

// Refs are the claim references the policy reads (required_claims), each
// once: a session must keep their values (claims.Mapping).
func (p *Policy) Refs() []claims.Ref {
	var out []claims.Ref
	for _, req := range append([]requirement{p.base}, p.ruleRequirements()...) {
		for _, c := range req.claims {
			if !slices.Contains(out, c.ref) {
				out = append(out, c.ref)
			}
		}
	}
	return out
}

// Claims are the top-level claims the policy reads (the roots of Refs),
// sorted: what an ID token or userinfo must supply for the policy to
// decide.
func (p *Policy) Claims() []string {
	var out []string
	for _, r := range p.Refs() {
		if !slices.Contains(out, r.Root()) {
			out = append(out, r.Root())
		}
	}
	slices.Sort(out)
	return out
}

func (p *Policy) ruleRequirements() []requirement {
	out := make([]requirement, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.req
	}
	return out
}

func (r requirement) allows(s *session.Session) bool {
	if (r.emails != nil || r.domains != nil || r.wildcards != nil) && !r.emailAllowed(s.Email) {
		return false
	}
	if r.groups != nil && !slices.ContainsFunc(s.Groups, func(g string) bool { return r.groups[g] }) {
		return false
	}
	for _, c := range r.claims {
		if !slices.Contains(claims.Get(s, c.ref).Values(), c.want) {
			return false
		}
	}
	return true
}

// emailAllowed: an address with other than exactly one "@" matches nothing,
// so "a@evil.com@example.gov" is never read as being at example.gov.
func (r requirement) emailAllowed(email string) bool {
	email = strings.ToLower(email)
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	if r.emails[email] || r.domains[domain] {
		return true
	}
	for _, suffix := range r.wildcards {
		if len(domain) > len(suffix) && strings.HasSuffix(domain, suffix) {
			return true
		}
	}
	return false
}
