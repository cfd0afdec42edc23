// Package authz is gatehouse's access policy: which paths are public, and who
// may reach the others. One policy serves the reverse proxy, forward-auth and
// bearer-token requests alike. Paths are matched only in the canonical form
// that CleanPath returns.
package authz

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/identity"
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
	claims    map[string]string
}

// New compiles a validated authorization section.
func New(cfg config.Authorization) (*Policy, error) {
	p := &Policy{
		base:    newRequirement(cfg.AllowedEmails, cfg.AllowedEmailDomains, cfg.AllowedGroups, cfg.RequiredClaims),
		scripts: slices.Clone(cfg.ScriptPrefixes),
	}
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
		cond, err := newConditions(r.Methods, r.SourceIPs)
		if err != nil {
			return nil, fmt.Errorf("authorization.rules[%d]: %w", i, err)
		}
		p.rules = append(p.rules, rule{path: m, req: newRequirement(r.AllowedEmails, r.AllowedEmailDomains, r.AllowedGroups, r.RequiredClaims),
			cond: cond, step: newStepUp(r)})
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

func newRequirement(emails, domains, groups []string, claims map[string]string) requirement {
	r := requirement{claims: claims}
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
	return r
}

// Claims lists the claims the policy reads that Session does not keep in a
// field of its own; sessions must store them in Extra.
func (p *Policy) Claims() []string {
	var out []string
	for _, req := range append([]requirement{p.base}, p.ruleRequirements()...) {
		for name := range req.claims {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
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
	for name, want := range r.claims {
		if !slices.Contains(claimValues(s, name), want) {
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

// claimValues returns a claim as text: one value for a scalar, each element
// for a list.
func claimValues(s *session.Session, name string) []string {
	switch name {
	case "sub":
		return []string{s.Subject}
	case "email":
		return []string{s.Email}
	case "name":
		return []string{s.Name}
	case "preferred_username":
		return []string{s.PreferredUsername}
	case "groups":
		return s.Groups
	}
	v, ok := s.Extra[name]
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, len(v))
		for i, item := range v {
			out[i] = identity.Format(item)
		}
		return out
	}
	return []string{identity.Format(v)}
}
