package proxy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/session"
)

// errIdentityRefused: the identity the provider describes now cannot be the
// session's (another subject, no subject, or one too large to pass on). The
// session ends, as a login with that identity would be refused.
var errIdentityRefused = errors.New("proxy: the provider's current identity is refused")

// reidentify replaces cur's identity with the one claims describe, built
// exactly as at login (sessionFromClaims), and reports whether it changed.
// The policy, the identity headers and the assertion follow from the next
// use of cur on.
func (h *Handler) reidentify(cur *session.Session, claims map[string]any) (changed bool, err error) {
	fresh, err := h.sessionFromClaims(claims)
	if err != nil {
		return false, fmt.Errorf("%w: %w", errIdentityRefused, err)
	}
	if fresh.Subject != cur.Subject {
		return false, fmt.Errorf("%w: subject changed", errIdentityRefused)
	}
	if err := h.checkIdentitySize(fresh); err != nil {
		return false, fmt.Errorf("%w: %w", errIdentityRefused, err)
	}
	changed = fresh.Email != cur.Email || fresh.Name != cur.Name ||
		fresh.PreferredUsername != cur.PreferredUsername ||
		!slices.Equal(fresh.Groups, cur.Groups) || !maps.EqualFunc(fresh.Extra, cur.Extra, sameClaim)
	cur.Email, cur.Name, cur.PreferredUsername = fresh.Email, fresh.Name, fresh.PreferredUsername
	cur.Groups, cur.Extra = fresh.Groups, fresh.Extra
	return changed, nil
}

// sameClaim compares two claim values as they were decoded from JSON.
func sameClaim(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// endRefused ends a session whose identity the provider no longer vouches
// for. It returns what refreshIfDue returns for an ended session.
func (h *Handler) endRefused(ctx context.Context, log *zap.Logger, cur *session.Session, why string, err error) (*session.Session, error) {
	log.Info("session ended: "+why, zap.Error(err))
	if err := h.store.Delete(ctx, cur.ID); err != nil {
		return nil, err
	}
	h.metrics.SessionDeleted(metrics.DeletedRefreshFailed)
	return nil, nil
}
