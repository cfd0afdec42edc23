package proxy

// WithPrevious builds the handler as prev's successor after a config reload
// (internal/server swaps the two atomically). What must outlive the swap is
// taken over instead of started afresh:
//   - the upgraded connections prev tracks: a logout handled by the new
//     handler still closes them at once, and their periodic session checks
//     apply the new policy;
//   - the login rate limiter's buckets, while server.login_rate_limit and
//     login_rate_burst are unchanged (a changed limit starts with full
//     buckets), so a reload does not hand a flooding client a fresh burst.
//
// The caches of verified cookies and sessions are not carried: they only
// spare work, every session is in the store, and a reload may have changed
// the cookie secrets they were verified with.
func WithPrevious(prev *Handler) Option {
	return func(h *Handler) {
		if prev == nil {
			return
		}
		h.upgrades.upgradeSet = prev.upgrades.upgradeSet
		if l, p := h.loginLimit, prev.loginLimit; l != nil && p != nil && l.rate == p.rate && l.burst == p.burst {
			h.loginLimit = p
		}
	}
}

// current is the handler whose policy the connections in o are checked
// against: the newest one that took them over, or h, which admitted them.
func (o *openUpgrades) current(h *Handler) *Handler {
	if latest := o.latest.Load(); latest != nil {
		return latest
	}
	return h
}
