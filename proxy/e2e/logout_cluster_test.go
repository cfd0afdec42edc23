package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestLogoutOnCluster: on a three-master Redis Cluster, back-channel logout
// by sub (every session of a user: DeleteBySubject), by sid
// (DeleteByIDPSession) and by both (SessionsBySubject) work across two
// replicas without a single CROSSSLOT error, and end only what they name.
func TestLogoutOnCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	a, b := startPair(t, withRedis(cluster.Addrs()...))
	m := newLogoutMinter(t, a)
	carol := testidpUser{testidp.Carol.ID, testidp.Carol.Username, testidp.Carol.Password}
	alice1, _ := loginAs(t, a, alice)
	alice2, _ := loginAs(t, a, alice)
	bob1, bobSID := loginAs(t, a, bob)
	carol1, carolSID := loginAs(t, a, carol)

	deliver := func(token string) {
		t.Helper()
		if status, body, _ := postLogoutToken(t, b, logoutForm(token)); status != http.StatusOK {
			t.Fatalf("back-channel logout: status %d %s", status, body)
		}
	}
	deliver(m.token(alice.ID, "", nil))
	testutil.Eventually(t, "Alice's sessions ended", invalidationWait, func() bool { return !alice1.loggedIn(a) && !alice2.loggedIn(a) })
	if !bob1.loggedIn(a) || !carol1.loggedIn(a) {
		t.Fatal("revoking Alice ended another user's session")
	}
	deliver(m.token("", bobSID, nil))
	testutil.Eventually(t, "Bob's session ended", invalidationWait, func() bool { return !bob1.loggedIn(a) })
	if !carol1.loggedIn(a) {
		t.Fatal("Bob's logout ended Carol's session")
	}
	deliver(m.token(carol.ID, carolSID, nil))
	testutil.Eventually(t, "Carol's session ended", invalidationWait, func() bool { return !carol1.loggedIn(a) })

	stats := cluster.ErrorStats()
	t.Logf("cluster error statistics: %v", stats)
	if stats["CROSSSLOT"] != 0 {
		t.Errorf("%d CROSSSLOT errors", stats["CROSSSLOT"])
	}
}
