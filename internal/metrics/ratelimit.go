package metrics

// LoginRateLimited counts a login start or callback refused with 429 by
// server.login_rate_limit.
func (m *Metrics) LoginRateLimited() {
	if m != nil {
		m.loginRateLimited.Inc()
	}
}
