package e2e

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/redistest"
)

// shared names Redis nodes that a gate uses instead of a fresh server.
type shared struct {
	redis      *redistest.Server // the standalone server, when there is one
	redisAddrs []string          // session.redis.addresses
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

// startPair starts two replicas on the redis store: one provider, one cookie
// secret, one Redis (a fresh server unless opts name one with withRedis).
func startPair(t *testing.T, opts ...option) (a, b *gate) {
	t.Helper()
	gates := startGates(t, 2, append([]option{withStore("redis")}, opts...)...)
	return gates[0], gates[1]
}
