package idp

import "slices"

// SetGroups replaces the groups of the user whose ID is userID, as an
// administrator would at a real provider: tokens issued from now on, and
// userinfo answers, carry the new groups (none: no groups claim).
func (p *Provider) SetGroups(userID string, groups []string) {
	u := p.storage.users
	u.groupsMu.Lock()
	defer u.groupsMu.Unlock()
	if len(groups) == 0 {
		delete(u.groups, userID)
		return
	}
	u.groups[userID] = slices.Clone(groups)
}

func (s *userStore) groupsOf(id string) []string {
	s.groupsMu.RLock()
	defer s.groupsMu.RUnlock()
	return slices.Clone(s.groups[id])
}
