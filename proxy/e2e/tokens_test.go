package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/rueidis"
)

// redisClient talks to the gates' redis-server directly, as an attacker with
// a dump (or an operator) would see it.
func redisClient(t *testing.T, g *gate) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{g.Redis.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatalf("rueidis: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// dumpRedis returns every key with its value(s) as text.
func dumpRedis(t *testing.T, c rueidis.Client) map[string]string {
	t.Helper()
	ctx := t.Context()
	out := map[string]string{}
	var cursor uint64
	for {
		e, err := c.Do(ctx, c.B().Scan().Cursor(cursor).Count(100).Build()).AsScanEntry()
		if err != nil {
			t.Fatalf("SCAN: %v", err)
		}
		for _, k := range e.Elements {
			typ, err := c.Do(ctx, c.B().Type().Key(k).Build()).ToString()
			if err != nil {
				t.Fatalf("TYPE %s: %v", k, err)
			}
			var vals []string
			switch typ {
			case "string":
				v, _ := c.Do(ctx, c.B().Get().Key(k).Build()).ToString()
				vals = []string{v}
			case "zset":
				vals, _ = c.Do(ctx, c.B().Zrange().Key(k).Min("0").Max("-1").Build()).AsStrSlice()
			case "set":
				vals, _ = c.Do(ctx, c.B().Smembers().Key(k).Build()).AsStrSlice()
			case "hash":
				m, _ := c.Do(ctx, c.B().Hgetall().Key(k).Build()).AsStrMap()
				for f, v := range m {
					vals = append(vals, f, v)
				}
			case "list":
				vals, _ = c.Do(ctx, c.B().Lrange().Key(k).Start(0).Stop(-1).Build()).AsStrSlice()
			case "none": // expired meanwhile
			default:
				t.Fatalf("key %s has unexpected type %s", k, typ)
			}
			out[k] = strings.Join(vals, "\n")
		}
		if cursor = e.Cursor; cursor == 0 {
			return out
		}
	}
}

// secretForms are the ways a token could show up in a dump: as issued, in
// either base64 alphabet (a []byte field in JSON is standard base64), and each
// segment of a JWT (its base64url header, payload and signature).
func secretForms(token string) []string {
	forms := []string{token,
		base64.StdEncoding.EncodeToString([]byte(token)),
		base64.RawURLEncoding.EncodeToString([]byte(token)),
	}
	if parts := strings.Split(token, "."); len(parts) == 3 {
		forms = append(forms, parts[1], parts[2])
	}
	return forms
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{16,}={0,2}`)

// decodeBase64Runs decodes every run of base64 in s (a []byte field is
// base64 in JSON), so that a token stored in the clear inside such a field is
// found too.
func decodeBase64Runs(s string) string {
	var out strings.Builder
	for _, run := range base64Run.FindAllString(s, -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(run); err == nil {
				out.Write(b)
				out.WriteByte('\n')
			}
		}
	}
	return out.String()
}

// TestRedisHoldsNoToken: after a login and a refresh, no Redis key or value
// contains any token the provider issued, in any encoding.
func TestRedisHoldsNoToken(t *testing.T) {
	t.Parallel()
	clock := newClock()
	g := startGate(t, clockTokens(clock, withStore("redis"))...)
	b := newBrowser(t)
	b.loginAlice(g)
	clock.Advance(untilDue)
	if resp := b.api(g.URL + "/x"); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	issued := g.IDP.IssuedTokens()
	dump := dumpRedis(t, redisClient(t, g))
	if len(dump) == 0 {
		t.Fatal("Redis is empty")
	}
	for k, v := range dump {
		dump[k] = v + "\n" + decodeBase64Runs(v)
	}
	for _, tokens := range issued {
		for name, token := range map[string]string{"access": tokens.AccessToken, "refresh": tokens.RefreshToken, "ID": tokens.IDToken} {
			if token == "" {
				t.Fatalf("provider issued no %s token", name)
			}
			for _, form := range secretForms(token) {
				for k, v := range dump {
					if strings.Contains(k, form) || strings.Contains(v, form) {
						t.Errorf("Redis key %q holds the %s token (or its encoding)", k, name)
					}
				}
			}
		}
	}
	if len(issued) != 2 {
		t.Fatalf("provider issued %d token sets, want 2 (login and refresh)", len(issued))
	}
}

// commandStats returns INFO commandstats as command -> calls.
func commandStats(t *testing.T, c rueidis.Client) map[string]int {
	t.Helper()
	info, err := c.Do(t.Context(), c.B().Info().Section("commandstats").Build()).ToString()
	if err != nil {
		t.Fatalf("INFO: %v", err)
	}
	stats := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "cmdstat_")
		if !ok {
			continue
		}
		name, rest, _ := strings.Cut(line, ":")
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		stats[name], _ = strconv.Atoi(calls)
	}
	return stats
}

// TestSteadyStateRequestsReadOnceWriteNever: an authenticated request whose
// session needs no refresh and no idle-timeout write costs at most one Redis
// read and no write. The client-side cache is off here (it would take even
// that read away; TestSteadyStateCostsNoRedisRoundTrip covers it).
func TestSteadyStateRequestsReadOnceWriteNever(t *testing.T) {
	g := startGate(t, withStore("redis"), withEnv("GATEHOUSE_SESSION_REDIS_CLIENT_CACHE=0"))
	b := newBrowser(t)
	b.loginAlice(g)
	c := redisClient(t, g)
	if err := c.Do(context.Background(), c.B().ConfigResetstat().Build()).Error(); err != nil {
		t.Fatalf("CONFIG RESETSTAT: %v", err)
	}
	const requests = 20
	for i := range requests {
		if resp := b.api(g.URL + "/api/" + strconv.Itoa(i)); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	stats := commandStats(t, c)
	t.Logf("commands for %d requests: %v", requests, stats)
	for cmd, calls := range stats {
		switch {
		case cmd == "get":
			if calls > requests {
				t.Errorf("%d GETs for %d requests, want at most one each", calls, requests)
			}
		case cmd == "ping", cmd == "hello", cmd == "info", strings.HasPrefix(cmd, "client|"), strings.HasPrefix(cmd, "config|"):
			// connection upkeep and this test's own commands
		default:
			t.Errorf("steady-state requests sent %s (%d calls); only GET is expected", cmd, calls)
		}
	}
}
