package config

// UserSessions configures <path_prefix>/sessions, the page (and JSON) where a
// logged-in user sees their own live sessions and ends them.
type UserSessions struct {
	// Enabled serves <path_prefix>/sessions; off, it is 404. On by default:
	// it shows users only what is theirs and lets them end a session left
	// on a shared or lost device without waiting for an operator
	// (key user_sessions.enabled, default true).
	Enabled bool `key:"enabled"`
}
