package e2e

import (
	"net"
	"testing"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// shared is what several gates can have in common, like replicas behind one
// load balancer: the provider, the Redis and the cookie secret.
type shared struct {
	mainLn       net.Listener // the gate's main listener, made in advance
	idp          *testidp.IDP
	cookieSecret string
	redis        *redistest.Server // the standalone server, when there is one
	redisAddrs   []string          // session.redis.addresses; nil: a fresh server
}

// withRedis runs the gate against existing Redis nodes (a Cluster's nodes, or
// Sentinels together with withEnv("GATEHOUSE_SESSION_REDIS_SENTINEL_MASTER=…"))
// instead of a fresh server of its own.
func withRedis(addrs ...string) option {
	return func(o *options) {
		o.store = "redis"
		if o.shared == nil {
			o.shared = &shared{}
		}
		o.shared.redisAddrs = addrs
	}
}

// startPair starts two gates that share one provider (registered with both
// callbacks), one cookie secret and one Redis (a fresh standalone server
// unless opts name one with withRedis). Cookies ignore the port, so one
// browser's session cookie reaches both, as behind a load balancer.
func startPair(t *testing.T, opts ...option) (a, b *gate) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	lnA, lnB := listen(t), listen(t)
	sh := shared{cookieSecret: randomSecret()}
	if o.shared != nil {
		sh.redisAddrs = o.shared.redisAddrs
	}
	if sh.redisAddrs == nil {
		sh.redis = redistest.Start(t)
		sh.redisAddrs = []string{sh.redis.Addr()}
	}
	sh.idp = testidp.Start(t, []string{
		"http://" + lnA.Addr().String() + "/oauth2/callback",
		"http://" + lnB.Addr().String() + "/oauth2/callback",
	}, o.idpOpts...)
	start := func(ln net.Listener) *gate {
		mine := sh
		mine.mainLn = ln
		return startGate(t, append(opts, withStore("redis"), func(o *options) { o.shared = &mine })...)
	}
	return start(lnA), start(lnB)
}
