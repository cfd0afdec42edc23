package authz

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// conditions narrow a public path or a rule to some methods and client
// addresses; empty lists impose nothing.
type conditions struct {
	methods []string // upper-case, as validated
	sources []netip.Prefix
}

func newConditions(methods, sources []string) (conditions, error) {
	c := conditions{methods: slices.Clone(methods)}
	for _, s := range sources {
		p, err := config.ParseSourceIP(s)
		if err != nil {
			return conditions{}, fmt.Errorf("source_ips: %w", err)
		}
		c.sources = append(c.sources, p)
	}
	return c, nil
}

// standardMethods are RFC 9110's methods and PATCH. Applications are known
// to answer any other method as if it were GET, or to fold its case
// ("get"); a method-conditioned rule therefore still governs those.
var standardMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodDelete: true, http.MethodConnect: true, http.MethodOptions: true,
	http.MethodTrace: true, http.MethodPatch: true,
}

// lists reports whether method is listed exactly; HEAD counts as listed
// where GET is, as servers answer HEAD with the GET handler.
func (c conditions) lists(method string) bool {
	return slices.Contains(c.methods, method) || (method == http.MethodHead && slices.Contains(c.methods, http.MethodGet))
}

// admits is a public path's test: every condition set must surely hold.
// An unknown method or source admits nothing that names one.
func (c conditions) admits(req Request) bool {
	if len(c.methods) > 0 && (!req.MethodKnown || !c.lists(req.Method)) {
		return false
	}
	if len(c.sources) > 0 && (!req.Source.IsValid() || !containsAddr(c.sources, req.Source)) {
		return false
	}
	return true
}

// governs is a rule's test, failing closed: an unknown part, a method in
// another case than listed, or a method outside standardMethods may be
// governed by the rule.
func (c conditions) governs(req Request) match {
	m := sureMatch
	if len(c.methods) > 0 {
		switch {
		case !req.MethodKnown:
			m = maybeMatch
		case c.lists(req.Method):
		case c.lists(strings.ToUpper(req.Method)) || !standardMethods[strings.ToUpper(req.Method)]:
			m = maybeMatch
		default:
			return noMatch
		}
	}
	if len(c.sources) > 0 {
		switch {
		case !req.Source.IsValid():
			m = maybeMatch
		case !containsAddr(c.sources, req.Source):
			return noMatch
		}
	}
	return m
}

func containsAddr(prefixes []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func newPublicEntry(pub config.PublicPath) (publicEntry, error) {
	m, err := newMatcher(pub.Path)
	if err != nil {
		return publicEntry{}, err
	}
	cond, err := newConditions(pub.Methods, pub.SourceIPs)
	if err != nil {
		return publicEntry{}, err
	}
	return publicEntry{path: m, cond: cond}, nil
}
