package testidp

import "testing"

// SetGroups changes the groups of the user with that username at the
// provider (none: the provider then sends no groups claim). Sessions that
// logged in before see the change when gatehouse next reads the identity
// (a token refresh, or session.revalidate_interval).
func (p *IDP) SetGroups(t testing.TB, username string, groups ...string) {
	t.Helper()
	p.Provider.SetGroups(p.User(t, username).ID, groups)
}
