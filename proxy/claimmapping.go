package proxy

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/identity"
)

// newClaimMapping says what sessions keep of the provider's claims: the
// groups of identity.groups_claims, and every reference that the identity
// headers, the policy and basic auth read from a session.
func newClaimMapping(cfg *config.Config, mapper *identity.Mapper, policy *authz.Policy, basic *basicAuth) (*claims.Mapping, error) {
	groups := make([]claims.Ref, 0, len(cfg.Identity.GroupsClaims))
	for i, g := range cfg.Identity.GroupsClaims {
		ref, err := claims.Parse(g)
		if err != nil {
			return nil, fmt.Errorf("identity.groups_claims[%d]: %w", i, err)
		}
		groups = append(groups, ref)
	}
	keep := append(mapper.Refs(), policy.Refs()...)
	if basic != nil {
		keep = append(keep, basic.user)
	}
	return claims.NewMapping(groups, keep), nil
}

// NeededClaims are the top-level claims this handler's identity mapping
// reads: under oidc.userinfo auto, an ID token lacking one is completed
// from userinfo.
func (h *Handler) NeededClaims() []string { return h.claims.Roots() }
