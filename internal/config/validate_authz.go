package config

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

func (c *Config) validateAuthorization(errs *problems) {
	a := &c.Authorization
	checkRequirements("authorization", a.AllowedEmails, a.AllowedEmailDomains, a.AllowedGroups, a.RequiredClaims, errs)
	c.validatePublicPaths(errs)
	for i, r := range a.Rules {
		key := fmt.Sprintf("authorization.rules[%d]", i)
		if r.Path == "" {
			errs.add(key+".path", "is required")
		} else {
			checkPathPattern(key+".path", r.Path, errs)
		}
		if len(r.AllowedEmails)+len(r.AllowedEmailDomains)+len(r.AllowedGroups)+len(r.RequiredClaims)+len(r.ACRValues) == 0 && r.MaxAge == "" {
			errs.add(key, "sets none of allowed_emails, allowed_email_domains, allowed_groups, required_claims, acr_values, max_age, so it narrows nothing")
		}
		checkRulePolicy(key, r, errs)
		checkRequirements(key, r.AllowedEmails, r.AllowedEmailDomains, r.AllowedGroups, r.RequiredClaims, errs)
	}
	c.validateScriptPrefixes(errs)
}

func checkRequirements(prefix string, emails, domains, groups []string, claims map[string]string, errs *problems) {
	for i, e := range emails {
		local, domain, ok := strings.Cut(e, "@")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsFunc(e, isSpaceOrControl) {
			errs.add(fmt.Sprintf("%s.allowed_emails[%d]", prefix, i), "%q is not an email address (exactly one @)", e)
		}
	}
	for i, d := range domains {
		if !validDomainPattern(d) {
			errs.add(fmt.Sprintf("%s.allowed_email_domains[%d]", prefix, i),
				"%q is not a domain (example.gov) or a subdomain wildcard (*.example.gov)", d)
		}
	}
	for i, g := range groups {
		if g == "" {
			errs.add(fmt.Sprintf("%s.allowed_groups[%d]", prefix, i), "must not be empty")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(claims)) {
		if strings.TrimSpace(name) == "" {
			errs.add(prefix+".required_claims", "has an empty claim name")
		} else {
			checkClaimRef(prefix+".required_claims", name, errs)
		}
	}
}

func validDomainPattern(d string) bool {
	d = strings.TrimPrefix(d, "*.")
	if d == "" || strings.ContainsAny(d, "@*/:") || strings.ContainsFunc(d, isSpaceOrControl) ||
		strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..") {
		return false
	}
	return true
}

// checkPathPattern reports a public path or rule path that is neither a clean
// absolute path nor a compilable "^" regular expression. Prefixes must be
// clean (as path.Clean leaves them) because requests are matched on cleaned
// paths: "/static/" or "/a/../b" would never match what the author meant.
func checkPathPattern(key, p string, errs *problems) {
	if strings.HasPrefix(p, "^") {
		if _, err := regexp.Compile(p); err != nil {
			errs.add(key, "%q is not a regular expression: %v", p, err)
		}
		return
	}
	before := len(*errs)
	checkPath(key, p, errs)
	if len(*errs) == before && path.Clean(p) != p {
		errs.add(key, "%q is not a clean path (write %q)", p, path.Clean(p))
	}
}

func (c *Config) validateBearer(errs *problems) {
	b := &c.Bearer
	if b.Enabled && len(b.Audiences) == 0 {
		errs.add("bearer.audiences", "needs at least one audience when bearer.enabled is true")
	}
	for i, a := range b.Audiences {
		if strings.TrimSpace(a) == "" {
			errs.add(fmt.Sprintf("bearer.audiences[%d]", i), "must not be empty")
		}
	}
	for i, id := range b.AllowedClientIDs {
		if strings.TrimSpace(id) == "" || strings.ContainsFunc(id, isSpaceOrControl) {
			errs.add(fmt.Sprintf("bearer.allowed_client_ids[%d]", i), "%q is not a client id (empty, or with spaces or control characters)", id)
		}
	}
}
