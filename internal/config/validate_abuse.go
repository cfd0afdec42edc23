package config

// validateLoginRate checks the per-client limit on login starts and callbacks.
func (c *Config) validateLoginRate(errs *problems) {
	s := &c.Server
	if s.LoginRateLimit < 0 {
		errs.add("server.login_rate_limit", "must not be negative (0 turns the limit off)")
	}
	if s.LoginRateBurst < 0 {
		errs.add("server.login_rate_burst", "must not be negative")
	} else if s.LoginRateLimit > 0 && s.LoginRateBurst == 0 {
		errs.add("server.login_rate_burst", "must be at least 1 while server.login_rate_limit is set (0 would refuse every login)")
	}
}
