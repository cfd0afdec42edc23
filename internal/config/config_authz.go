package config

// Authorization is the access policy. A user passes a set of requirements
// when: no email list is set, or the email is in allowed_emails, or its domain
// is in allowed_email_domains; and no allowed_groups are set, or the user is in
// one of them; and every required claim has its value. The top-level
// requirements apply to every non-public path; the first rule whose path
// matches adds its own requirements on top.
type Authorization struct {
	// AllowedEmails are the email addresses allowed in, compared without case
	// (key authorization.allowed_emails, default empty: no email restriction).
	AllowedEmails []string `key:"allowed_emails"`
	// AllowedEmailDomains are the email domains allowed in, matched exactly
	// without case; "*.example.gov" matches subdomains of example.gov only (key
	// authorization.allowed_email_domains, default empty).
	AllowedEmailDomains []string `key:"allowed_email_domains"`
	// AllowedGroups: the user must be in at least one of these groups, compared
	// exactly (key authorization.allowed_groups, default empty: no group
	// restriction).
	AllowedGroups []string `key:"allowed_groups"`
	// RequiredClaims maps a claim name to the value it must have, compared as
	// text ("true" matches a JSON true; for a list claim one element must
	// match). Claim names are case-sensitive (key
	// authorization.required_claims, default empty).
	RequiredClaims map[string]string `key:"required_claims"`
	// Rules add requirements per path; the first rule whose path matches the
	// request applies (key authorization.rules, default empty). It can be set
	// in the config file only.
	Rules []Rule `key:"rules"`
	// PublicPaths skip authentication: entries starting with "^" are regular
	// expressions anchored on the cleaned, decoded path; the others are path
	// prefixes matched at a segment boundary. An entry is a plain string (the
	// path) or a mapping {path, methods, source_ips} that is public only for
	// those methods and client addresses (key authorization.public_paths,
	// default empty). From the environment it is a list of plain paths.
	PublicPaths []PublicPath `key:"public_paths"`
	// PublicPreflight lets CORS preflights (OPTIONS with Origin and
	// Access-Control-Request-Method) through to the upstream without a
	// session, with identity headers stripped (key
	// authorization.public_preflight, default false).
	PublicPreflight bool `key:"public_preflight"`
	// ScriptPrefixes name front controllers ("/index.php") that PHP apps
	// also reach through PATH_INFO: a path starting with one at a segment
	// boundary is matched by rules and public paths with it stripped
	// ("/index.php/admin" as "/admin", "/index.php" as "/"); the upstream
	// still gets the path as sent. Matched case-sensitively; a spelling in
	// another case must pass the policy both stripped and as written (key
	// authorization.script_prefixes, default empty).
	ScriptPrefixes []string `key:"script_prefixes"`
}

// Rule narrows the policy for one path. Every list it sets is a requirement
// in addition to the top-level ones.
type Rule struct {
	// Path is a clean path prefix matched at a segment boundary ("/admin"
	// matches /admin, /admin/x and /admin;x, not /administrator), or a
	// regular expression starting with "^" (required).
	Path string `key:"path"`
	// AllowedEmails, AllowedEmailDomains, AllowedGroups and RequiredClaims
	// work as in Authorization.
	AllowedEmails       []string          `key:"allowed_emails"`
	AllowedEmailDomains []string          `key:"allowed_email_domains"`
	AllowedGroups       []string          `key:"allowed_groups"`
	RequiredClaims      map[string]string `key:"required_claims"`
	// Methods limits the rule to these request methods, upper-case as sent
	// ("GET" also covers HEAD). Methods outside RFC 9110 and PATCH, and any
	// spelling in another case, count as possibly listed: the rule governs
	// them too (default empty: every method).
	Methods []string `key:"methods"`
	// SourceIPs limits the rule to clients in these CIDRs (a bare IP is a /32
	// or /128), the address after trusted_proxies (default empty: every
	// client).
	SourceIPs []string `key:"source_ips"`
	// ACRValues asks for a login whose acr is one of these (step-up; default
	// empty: any acr).
	ACRValues []string `key:"acr_values"`
	// MaxAge asks for a login at most this long ago (auth_time), a duration
	// in whole seconds ("15m", "0s"; "0s" forces a new login with
	// prompt=login); empty asks for nothing (default empty).
	MaxAge string `key:"max_age"`
}

// PublicPath is one entry of authorization.public_paths.
type PublicPath struct {
	// Path is a clean path prefix or a "^" regular expression, as in Rule
	// (required).
	Path string `key:"path"`
	// Methods, when set, make the path public for these methods only,
	// compared exactly ("GET" also covers HEAD; default empty: every method).
	Methods []string `key:"methods"`
	// SourceIPs, when set, make the path public for clients in these CIDRs
	// only (default empty: every client).
	SourceIPs []string `key:"source_ips"`
}

// Bearer configures API clients that send "Authorization: Bearer <JWT>".
type Bearer struct {
	// Enabled accepts JWTs signed by the provider (checked against its JWKS,
	// iss, aud, exp and nbf) in place of a session (key bearer.enabled, default
	// false).
	Enabled bool `key:"enabled"`
	// Audiences: a token's aud must contain one of these; required when
	// bearer.enabled is true (key bearer.audiences, default empty).
	Audiences []string `key:"audiences"`
	// PassAuthorizationHeader forwards the client's Authorization header to
	// the upstream unchanged; otherwise it is removed from requests that were
	// authenticated by a bearer token (key bearer.pass_authorization_header,
	// default false).
	PassAuthorizationHeader bool `key:"pass_authorization_header"`
	// AllowedClientIDs, when set, admit only tokens issued to one of these
	// clients: the token's azp and client_id claims (each that is present)
	// must be listed, and one must be. ID tokens are refused whatever this
	// says (key bearer.allowed_client_ids, default empty: any client).
	AllowedClientIDs []string `key:"allowed_client_ids"`
}
