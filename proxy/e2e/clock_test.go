package e2e

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/testclock"
)

// Tests that move gatehouse's clock (withClock) instead of waiting for it.
// They step over minutes and hours in microseconds, so a slow machine cannot
// turn them red. What the clock moves, and what keeps the wall clock:
//
//   - gatehouse's request handler reads the test clock: the idle and absolute
//     timeouts, when a token is due for refresh or expired, and how long a
//     request waits for another's refresh.
//   - The provider (zitadel/oidc's op) stamps and checks its tokens with the
//     wall clock (refresh tokens live 5 h, access tokens 5 min), and gatehouse
//     verifies its ID tokens with the wall clock too. It is not moved: a
//     provider clock ahead of gatehouse's verifier would issue ID tokens from
//     the future. Its tokens stay good for the seconds a test takes, whatever
//     gatehouse's clock shows.
//   - The provider gives a token's lifetime as expires_in. The login token
//     expires that long after its wall-clock receipt, which is the clock's
//     start plus the real seconds that start-up and login took (one minute of
//     margin below covers them); refreshed tokens expire that long after the
//     handler's clock at receipt.
//   - The session stores expire keys on the wall clock (Redis by itself, the
//     memory store alike). These tests use timeouts of minutes and hours, so
//     no store drops a session while a test runs and gatehouse's own check on
//     every request is what ends it. The stores' expiry is covered by the
//     wall-clock tests, each marked as such.
const (
	// clockRefreshBefore is session.refresh_before in these tests: with the
	// provider's 5-minute tokens, a token is due for refresh from 3 min
	// after receipt on and expires at 5 min.
	clockRefreshBefore = "2m"
	// untilDue takes the clock from a token's receipt to where its refresh is
	// due and it is still valid: a minute from either edge.
	untilDue = 4 * time.Minute
	// untilExpired takes the clock from a token's receipt a minute past its
	// expiry.
	untilExpired = 6 * time.Minute
)

// newClock returns a stopped clock at the wall clock's time, so that the
// provider's tokens, stamped on the wall clock, start out valid on it.
func newClock() *testclock.Clock { return testclock.New(time.Now()) }

// clockTokens runs gatehouse on clock with refresh_before clockRefreshBefore
// and the access token passed upstream (to see which token a request used).
func clockTokens(clock *testclock.Clock, extra ...option) []option {
	return append([]option{
		withClock(clock),
		withEnv("GATEHOUSE_SESSION_REFRESH_BEFORE="+clockRefreshBefore, "GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN=true"),
	}, extra...)
}
