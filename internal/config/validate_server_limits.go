package config

func (c *Config) validateServer(errs *problems) {
	s := &c.Server
	if s.MaxHeaderBytes < 4096 {
		errs.add("server.max_header_bytes", "%d is less than the minimum 4096", s.MaxHeaderBytes)
	}
	if s.ReadHeaderTimeout <= 0 {
		errs.add("server.read_header_timeout", "must be greater than 0")
	}
	if s.ReadTimeout < 0 {
		errs.add("server.read_timeout", "must not be negative (0 means no limit)")
	}
	if s.WriteTimeout < 0 {
		errs.add("server.write_timeout", "must not be negative (0 means no limit)")
	}
	if s.IdleTimeout <= 0 {
		errs.add("server.idle_timeout", "must be greater than 0")
	}
	if s.ShutdownTimeout <= 0 {
		errs.add("server.shutdown_timeout", "must be greater than 0")
	}
	c.validateAllowedHosts(errs)
}
