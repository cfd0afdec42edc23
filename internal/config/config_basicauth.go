package config

// BasicAuth sends "Authorization: Basic base64(user:password)" to the
// upstream, for applications that only understand HTTP Basic (PHP's
// PHP_AUTH_USER). The client's own Authorization header never reaches the
// upstream while it is on, except a bearer token that
// bearer.pass_authorization_header keeps.
type BasicAuth struct {
	// Enabled turns it on (key upstream.basic_auth.enabled, default false).
	Enabled bool `key:"enabled"`
	// UserClaim is the claim reference whose value is the user name. sub is
	// the one claim a provider promises to be unique and never reassigned;
	// choose preferred_username or email only where the provider guarantees
	// the same. A user whose value is empty, has a ":" or a control
	// character is refused with 403 (key upstream.basic_auth.user_claim,
	// default "sub").
	UserClaim string `key:"user_claim"`
	// Password is the password sent with every user name; the upstream
	// trusts whoever knows it (key upstream.basic_auth.password, required
	// when enabled unless password_file is set; never both).
	Password string `key:"password"`
	// PasswordFile names a file whose content, trailing whitespace trimmed,
	// is the password (key upstream.basic_auth.password_file, default none).
	PasswordFile string `key:"password_file"`
}

var basicAuthPassword = secretFile{
	valueKey: "upstream.basic_auth.password", fileKey: "upstream.basic_auth.password_file",
	value: func(c *Config) bool { return c.Upstream.BasicAuth.Password != "" },
	file:  func(c *Config) string { return c.Upstream.BasicAuth.PasswordFile },
	set:   func(c *Config, s string) { c.Upstream.BasicAuth.Password = s },
}
