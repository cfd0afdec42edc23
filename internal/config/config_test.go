package config

import (
	"bytes"
	"encoding/base64"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Test secrets: recognisable so that a leak into an error message is caught.
var (
	secretA      = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("secret-A-"), 5)) // 45 bytes
	secretB      = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte("secret-B-"), 4))
	clientSecret = "client-secret-value-do-not-print"
)

// baseEnv holds every required key, so that a case's file only needs what it tests.
func baseEnv() map[string]string {
	return map[string]string{
		"GATEHOUSE_PUBLIC_URL":          "https://app.example.com",
		"GATEHOUSE_UPSTREAM_URL":        "http://127.0.0.1:8080",
		"GATEHOUSE_OIDC_ISSUER":         "https://idp.example.com/",
		"GATEHOUSE_OIDC_CLIENT_ID":      "gatehouse",
		"GATEHOUSE_OIDC_CLIENT_SECRET":  clientSecret,
		"GATEHOUSE_COOKIE_SECRETS":      secretA,
		"GATEHOUSE_SOMETHING_UNRELATED": "ignored: unknown GATEHOUSE_ variables are allowed",
	}
}

// baseEnvWith is baseEnv with changes: a variable set to "" is removed.
func baseEnvWith(changes map[string]string) map[string]string {
	env := baseEnv()
	for k, v := range changes {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return env
}

func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// writeFile writes content to a new file in a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// load writes yaml (if any) to a file and loads it with env.
func load(t *testing.T, yaml string, env map[string]string) (*Config, error) {
	t.Helper()
	path := ""
	if yaml != "" {
		path = writeFile(t, "gatehouse.yaml", yaml)
	}
	return Load(path, envList(env))
}

func mustLoad(t *testing.T, yaml string, env map[string]string) *Config {
	t.Helper()
	c, err := load(t, yaml, env)
	if err != nil {
		t.Fatalf("Load: unexpected error:\n%v", err)
	}
	return c
}

// loadCase loads yaml with baseEnv plus extra. With wantErr set, the load
// must fail with that line among its errors, and nil is returned;
// otherwise it must succeed.
func loadCase(t *testing.T, yaml string, extra map[string]string, wantErr string) *Config {
	t.Helper()
	env := baseEnv()
	maps.Copy(env, extra)
	c, err := load(t, yaml, env)
	if wantErr != "" {
		if !slices.Contains(errLines(err), wantErr) {
			t.Fatalf("error = %v, want a line %q", err, wantErr)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, "", baseEnv())
	want := &Config{
		Listen:               ":4180",
		OpsListen:            ":9180",
		PublicURL:            "https://app.example.com",
		PathPrefix:           "/oauth2",
		TrustedProxyPrefixes: []netip.Prefix{},
		Upstream:             Upstream{URL: "http://127.0.0.1:8080"},
		OIDC: OIDC{
			Issuer:                "https://idp.example.com/",
			ClientID:              "gatehouse",
			ClientSecret:          clientSecret,
			Scopes:                []string{"openid", "profile", "email", "offline_access"},
			RedirectPath:          "/oauth2/callback",
			TokenAuthMethod:       "client_secret_basic",
			Userinfo:              "auto",
			ClockSkew:             30 * time.Second,
			HTTPTimeout:           10 * time.Second,
			PostLogoutRedirectURI: "https://app.example.com/",
			LogoutTokenMaxAge:     5 * time.Minute,
			ForwardedAuthParams:   []string{},
		},
		Session: Session{
			Store:           "redis",
			IdleTimeout:     8 * time.Hour,
			AbsoluteTimeout: 24 * time.Hour,
			RefreshBefore:   time.Minute,
			CacheEntries:    10000,
			Redis: Redis{
				Addresses: []string{"127.0.0.1:6379"},
				KeyPrefix: "gatehouse:",
				Timeout:   2 * time.Second,
			},
		},
		Cookie: Cookie{
			Name:           "gatehouse",
			Secrets:        []string{secretA},
			DecodedSecrets: [][]byte{bytes.Repeat([]byte("secret-A-"), 5)},
		},
		Identity: Identity{
			Headers: map[string]string{
				"X-Forwarded-User":               "sub",
				"X-Forwarded-Email":              "email",
				"X-Forwarded-Preferred-Username": "preferred_username",
				"X-Forwarded-Groups":             "groups",
			},
			MaxHeaderBytes: 8192,
			Assertion: Assertion{
				Enabled:   true,
				Header:    "X-Gatehouse-Assertion",
				Algorithm: "ES256",
				Audience:  "http://127.0.0.1:8080",
				TTL:       5 * time.Minute,
			},
		},
		Authorization: Authorization{
			AllowedEmails: []string{}, AllowedEmailDomains: []string{}, AllowedGroups: []string{},
			RequiredClaims: map[string]string{}, Rules: []Rule{}, PublicPaths: []PublicPath{},
		},
		Bearer: Bearer{Audiences: []string{}},
		Server: Server{
			MaxHeaderBytes:    32768,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       120 * time.Second,
			ShutdownTimeout:   30 * time.Second,
			AllowedHosts:      []string{"app.example.com"},
		},
		UserSessions: UserSessions{Enabled: true},
		Log:          Log{Level: "info", Format: "json", FlushInterval: time.Second},
	}
	want.Session.Redis.ClientCache = time.Minute
	want.Server.LoginRateLimit, want.Server.LoginRateBurst = 5, 20
	want.Upstream.AllowedUpgrades, want.Upstream.WebSocketOrigins = []string{"websocket"}, []string{}
	want.Upstream.UpgradeSessionCheck = 30 * time.Second
	want.Authorization.ScriptPrefixes = []string{}
	want.Bearer.AllowedClientIDs = []string{}
	want.Reload.WatchInterval = time.Second
	want.Identity.GroupsClaims, want.Identity.StaticHeaders = []string{"groups"}, map[string]string{}
	want.Upstream.BasicAuth.UserClaim = "sub"
	want.Tracing.TrustIncoming = "trusted_proxies"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults differ:\n got %+v\nwant %+v", c, want)
	}
	if got := c.SessionCookieName(); got != "__Host-gatehouse" {
		t.Errorf("SessionCookieName() = %q, want __Host-gatehouse", got)
	}
	if !c.Secure() {
		t.Error("Secure() = false for an https public_url")
	}
	if got := c.RedirectURL(); got != "https://app.example.com/oauth2/callback" {
		t.Errorf("RedirectURL() = %q", got)
	}
}

func TestLoadFileValues(t *testing.T) {
	env := baseEnv() // the environment overrides the file: leave these keys to the file
	delete(env, "GATEHOUSE_PUBLIC_URL")
	delete(env, "GATEHOUSE_OIDC_ISSUER")
	delete(env, "GATEHOUSE_OIDC_CLIENT_ID")
	c := mustLoad(t, `
public_url: http://localhost:4180/
path_prefix: /_auth
trusted_proxies: [10.0.0.0/8, 192.0.2.7, "2001:db8::1", 10.1.2.3/16]
allowed_redirect_hosts: [Docs.Example.com, "example.org:8443"]
oidc:
  issuer: https://idp.example.com/realms/x/
  client_id: 12345
session:
  store: memory
  idle_timeout: 90m
cookie:
  name: sid
log:
  level: DEBUG
`, env)
	checks := []struct {
		name      string
		got, want any
	}{
		{"public_url trailing slash trimmed", c.PublicURL, "http://localhost:4180"},
		{"issuer kept exactly", c.OIDC.Issuer, "https://idp.example.com/realms/x/"},
		{"integer client_id read as string", c.OIDC.ClientID, "12345"},
		{"redirect_path follows path_prefix", c.OIDC.RedirectPath, "/_auth/callback"},
		{"post_logout_redirect_uri default", c.OIDC.PostLogoutRedirectURI, "http://localhost:4180/"},
		{"redirect URL", c.RedirectURL(), "http://localhost:4180/_auth/callback"},
		{"cookie name on http", c.SessionCookieName(), "sid"},
		{"secure", c.Secure(), false},
		{"store", c.Session.Store, "memory"},
		{"idle timeout", c.Session.IdleTimeout, 90 * time.Minute},
		{"log level lower-cased", c.Log.Level, "debug"},
		{"redirect hosts lower-cased", c.AllowedRedirectHosts, []string{"docs.example.com", "example.org:8443"}},
		{"proxies parsed", c.TrustedProxyPrefixes, []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"),
			netip.MustParsePrefix("192.0.2.7/32"),
			netip.MustParsePrefix("2001:db8::1/128"),
			netip.MustParsePrefix("10.1.0.0/16"),
		}},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		env  map[string]string // merged over baseEnv; "" removes a variable
		want []string          // each must be one whole line of the error
	}{
		{name: "unknown top-level key", yaml: "sesion: {}\n", want: []string{"sesion: unknown key"}},
		{name: "unknown nested key", yaml: "session:\n  redis:\n    adress: x\n", want: []string{"session.redis.adress: unknown key"}},
		{name: "keys are case-sensitive", yaml: "Listen: :80\n", want: []string{"Listen: unknown key"}},
		{name: "an unknown key with a space is quoted", yaml: "session:\n  idle timeout: 1h\n", want: []string{`session."idle timeout": unknown key`}},
		{name: "an unknown key with a control character is quoted", yaml: "\"a\\tb\": 1\n", want: []string{`"a\tb": unknown key`}},
		{name: "section as scalar", yaml: "session: 5\n", want: []string{"session: must be a mapping of keys, not an integer"}},
		{name: "string as list", yaml: "listen: [a]\n", want: []string{"listen: must be a string, not a list"}},
		{name: "bad duration", yaml: "session:\n  idle_timeout: abc\n", want: []string{`session.idle_timeout: "abc" is not a duration`}},
		{name: "duration without unit", yaml: "server:\n  idle_timeout: 3600\n",
			want: []string{`server.idle_timeout: 3600 is not a duration: give a unit, such as "90s" or "8h"`}},
		{name: "bad duration from env", env: map[string]string{"GATEHOUSE_SESSION_IDLE_TIMEOUT": "abc"},
			want: []string{`session.idle_timeout: "abc" is not a duration`}},
		{name: "bad bool from env", env: map[string]string{"GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN": "yes"},
			want: []string{`upstream.pass_access_token: "yes" is not true or false`}},
		{name: "bad int from env", env: map[string]string{"GATEHOUSE_SESSION_REDIS_DB": "1x"},
			want: []string{`session.redis.db: "1x" is not an integer`}},
		{name: "float for int", yaml: "session:\n  redis:\n    db: 1.5\n", want: []string{"session.redis.db: must be an integer, not a number"}},
		{name: "listen not host:port", yaml: "listen: \"4180\"\n",
			want: []string{`listen: "4180" is not host:port (for example ":4180" or "127.0.0.1:4180")`}},
		{name: "ops_listen bad port", yaml: "ops_listen: \":99999\"\n",
			want: []string{`ops_listen: ":99999" is not host:port (for example ":4180" or "127.0.0.1:4180")`}},
		{name: "public_url required", env: map[string]string{"GATEHOUSE_PUBLIC_URL": ""}, want: []string{"public_url: is required"}},
		{name: "public_url with path", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "https://a.example.com/app"},
			want: []string{`public_url: "https://a.example.com/app" must be scheme and host only, without path, query, fragment or user`}},
		{name: "public_url with query", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "https://a.example.com/?x=1"},
			want: []string{`public_url: "https://a.example.com/?x=1" must be scheme and host only, without path, query, fragment or user`}},
		{name: "public_url scheme", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "ftp://a.example.com"},
			want: []string{`public_url: "ftp://a.example.com" must start with http:// or https://`}},
		{name: "public_url relative", env: map[string]string{"GATEHOUSE_PUBLIC_URL": "app.example.com"},
			want: []string{`public_url: "app.example.com" must start with http:// or https://`}},
		{name: "path_prefix without slash", yaml: "path_prefix: oauth2\n", want: []string{`path_prefix: "oauth2" must start with "/"`}},
		{name: "path_prefix trailing slash", yaml: "path_prefix: /oauth2/\n", want: []string{`path_prefix: "/oauth2/" must not end with "/"`}},
		{name: "trusted proxy", yaml: "trusted_proxies: [10.0.0.0/8, 10.0.0.300]\n",
			want: []string{`trusted_proxies[1]: "10.0.0.300" is not a CIDR or an IP address`}},
		{name: "redirect host with scheme", yaml: "allowed_redirect_hosts: [\"https://a.example.com\", \"*.example.com\"]\n",
			want: []string{
				`allowed_redirect_hosts[0]: "https://a.example.com" is not a host or host:port (no scheme, path or wildcard)`,
				`allowed_redirect_hosts[1]: "*.example.com" is not a host or host:port (no scheme, path or wildcard)`,
			}},
		{name: "upstream required", env: map[string]string{"GATEHOUSE_UPSTREAM_URL": ""}, want: []string{"upstream.url: is required"}},
		{name: "upstream scheme", env: map[string]string{"GATEHOUSE_UPSTREAM_URL": "unix:/run/app.sock"},
			want: []string{`upstream.url: "unix:/run/app.sock" must start with http:// or https://`}},
		{name: "issuer required", env: map[string]string{"GATEHOUSE_OIDC_ISSUER": ""}, want: []string{"oidc.issuer: is required"}},
		{name: "issuer without host", env: map[string]string{"GATEHOUSE_OIDC_ISSUER": "https:///x"},
			want: []string{`oidc.issuer: "https:///x" has no host`}},
		{name: "client_id required", env: map[string]string{"GATEHOUSE_OIDC_CLIENT_ID": ""}, want: []string{"oidc.client_id: is required"}},
		{name: "client_secret required", env: map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET": ""},
			want: []string{"oidc.client_secret: is required (or set oidc.client_secret_file)"}},
		{name: "scopes without openid", yaml: "oidc:\n  scopes: [profile, email]\n", want: []string{"oidc.scopes: must contain openid"}},
		{name: "redirect_path relative", yaml: "oidc:\n  redirect_path: callback\n", want: []string{`oidc.redirect_path: "callback" must start with "/"`}},
		{name: "redirect_path protocol-relative", yaml: "oidc:\n  redirect_path: //evil.example/cb\n",
			want: []string{`oidc.redirect_path: "//evil.example/cb" must be a local path, not start with "//"`}},
		{name: "token_auth_method", yaml: "oidc:\n  token_auth_method: tls_client_auth\n",
			want: []string{`oidc.token_auth_method: "tls_client_auth" is not one of client_secret_basic, client_secret_post, private_key_jwt`}},
		{name: "negative clock skew", yaml: "oidc:\n  clock_skew: -1s\n", want: []string{"oidc.clock_skew: must not be negative"}},
		{name: "zero http timeout", yaml: "oidc:\n  http_timeout: 0s\n", want: []string{"oidc.http_timeout: must be positive"}},
		{name: "post logout uri", yaml: "oidc:\n  post_logout_redirect_uri: /bye\n",
			want: []string{`oidc.post_logout_redirect_uri: "/bye" must start with http:// or https://`}},
		{name: "post logout uri on a foreign host", yaml: "oidc:\n  post_logout_redirect_uri: https://evil.example/\n",
			want: []string{`oidc.post_logout_redirect_uri: "https://evil.example/" must be on public_url's host or a host in allowed_redirect_hosts`}},
		{name: "logout token max age", yaml: "oidc:\n  logout_token_max_age: 0s\n",
			want: []string{`oidc.logout_token_max_age: must be greater than 0`}},
		{name: "store", yaml: "session:\n  store: mysql\n", want: []string{`session.store: "mysql" is not one of redis, memory`}},
		{name: "idle zero", yaml: "session:\n  idle_timeout: 0s\n", want: []string{"session.idle_timeout: must be greater than 0"}},
		{name: "absolute shorter than idle", yaml: "session:\n  idle_timeout: 8h\n  absolute_timeout: 1h\n",
			want: []string{"session.absolute_timeout: 1h0m0s is shorter than session.idle_timeout (8h0m0s)"}},
		{name: "refresh_before negative", yaml: "session:\n  refresh_before: -1m\n", want: []string{"session.refresh_before: must not be negative"}},
		{name: "redis address", yaml: "session:\n  redis:\n    addresses: [localhost, \"redis:6379\"]\n",
			want: []string{`session.redis.addresses[0]: "localhost" is not host:port (for example "redis:6379")`}},
		{name: "redis no address", yaml: "session:\n  redis:\n    addresses: []\n",
			want: []string{"session.redis.addresses: needs at least one host:port when session.store is redis"}},
		{name: "redis db and timeout", yaml: "session:\n  redis:\n    db: -1\n    timeout: 0s\n",
			want: []string{"session.redis.db: must not be negative", "session.redis.timeout: must be greater than 0"}},
		{name: "redis client_cache negative", yaml: "session:\n  redis:\n    client_cache: -1s\n",
			want: []string{"session.redis.client_cache: must not be negative (0 disables the cache)"}},
		{name: "redis tls cert without key", yaml: "session:\n  redis:\n    tls:\n      enabled: true\n      cert_file: /c.pem\n",
			want: []string{"session.redis.tls.cert_file: must be set together with session.redis.tls.key_file"}},
		{name: "redis tls keys while disabled", yaml: "session:\n  redis:\n    tls:\n      ca_file: /ca.pem\n",
			want: []string{"session.redis.tls.enabled: is false, but other session.redis.tls keys are set; set enabled: true to use TLS"}},
		{name: "redis tls unknown key", yaml: "session:\n  redis:\n    tls:\n      ca: /ca.pem\n",
			want: []string{"session.redis.tls.ca: unknown key"}},
		{name: "cookie name prefixed", yaml: "cookie:\n  name: __Host-gh\n",
			want: []string{`cookie.name: "__Host-gh" must not start with __Host- or __Secure-: gatehouse adds __Host- itself on https`}},
		{name: "cookie name not a token", yaml: "cookie:\n  name: \"my cookie\"\n",
			want: []string{"cookie.name: \"my cookie\" is not a valid cookie name (letters, digits and !#$%&'*+-.^_`|~ only)"}},
		{name: "cookie secret short", env: map[string]string{"GATEHOUSE_COOKIE_SECRETS": secretA + "," + base64.StdEncoding.EncodeToString([]byte("short"))},
			want: []string{"cookie.secrets[1]: decodes to 5 bytes, at least 32 are needed (openssl rand -base64 48)"}},
		{name: "cookie secret not base64", env: map[string]string{"GATEHOUSE_COOKIE_SECRETS": "not*base64!"},
			want: []string{"cookie.secrets[0]: is not base64 (generate one with: openssl rand -base64 48)"}},
		{name: "cookie secrets required", env: map[string]string{"GATEHOUSE_COOKIE_SECRETS": ""},
			want: []string{"cookie.secrets: needs at least one secret (or set cookie.secrets_file)"}},
		{name: "identity headers", yaml: "identity:\n  headers:\n    \"X User\": sub\n    X-Email: \"\"\n    host: sub\n",
			want: []string{
				`identity.headers.X User: "X User" is not a valid header name`, // named as written
				"identity.headers.X-Email: needs a claim name",
				"identity.headers.Host: Host is set by gatehouse itself and cannot carry a claim",
			}},
		{name: "identity headers not a map", yaml: "identity:\n  headers: [a]\n", want: []string{"identity.headers: must be a mapping, not a list"}},
		{name: "identity max bytes", yaml: "identity:\n  max_header_bytes: 100\n", want: []string{"identity.max_header_bytes: 100 is less than the minimum 1024"}},
		{name: "server limits", yaml: "server:\n  max_header_bytes: 100\n  read_header_timeout: 0s\n  read_timeout: -1s\n  write_timeout: -1s\n  idle_timeout: 0s\n  shutdown_timeout: 0s\n",
			want: []string{
				"server.max_header_bytes: 100 is less than the minimum 4096",
				"server.read_header_timeout: must be greater than 0",
				"server.read_timeout: must not be negative (0 means no limit)",
				"server.write_timeout: must not be negative (0 means no limit)",
				"server.idle_timeout: must be greater than 0",
				"server.shutdown_timeout: must be greater than 0",
			}},
		{name: "log", yaml: "log:\n  level: verbose\n  format: text\n  flush_interval: 2m\n",
			want: []string{`log.level: "verbose" is not one of debug, info, warn, error`, `log.format: "text" is not one of json, console`,
				"log.flush_interval: 2m0s is not between 0 and 1m"}},
		{name: "every problem is reported", yaml: "sesion: {}\nlisten: nope\nsession:\n  idle_timeout: abc\n  redis:\n    adress: x\n",
			env: map[string]string{"GATEHOUSE_OIDC_CLIENT_ID": ""},
			want: []string{
				"sesion: unknown key",
				"session.redis.adress: unknown key",
				`session.idle_timeout: "abc" is not a duration`,
				`listen: "nope" is not host:port (for example ":4180" or "127.0.0.1:4180")`,
				"oidc.client_id: is required",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			c, err := load(t, tc.yaml, env)
			if err == nil {
				t.Fatalf("Load succeeded, want errors %q", tc.want)
			}
			if c != nil {
				t.Error("Load returned a non-nil *Config with an error")
			}
			lines := errLines(err)
			for _, w := range tc.want {
				if !slices.Contains(lines, w) {
					t.Errorf("missing error line %q in:\n%v", w, err)
				}
			}
			if len(lines) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(lines), len(tc.want), err)
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	file := `
listen: ":1111"
session:
  idle_timeout: 1h
  redis:
    addresses: [a:1]
oidc:
  scopes: [openid]
`
	cases := []struct {
		name  string
		env   map[string]string
		check func(*Config) any
		want  any
	}{
		{"file value without env", nil, func(c *Config) any { return c.Listen }, ":1111"},
		{"scalar", map[string]string{"GATEHOUSE_LISTEN": "127.0.0.1:2222"}, func(c *Config) any { return c.Listen }, "127.0.0.1:2222"},
		{"empty variable is unset", map[string]string{"GATEHOUSE_LISTEN": ""}, func(c *Config) any { return c.Listen }, ":1111"},
		{"duration", map[string]string{"GATEHOUSE_SESSION_IDLE_TIMEOUT": "2h30m"}, func(c *Config) any { return c.Session.IdleTimeout }, 150 * time.Minute},
		{"nested scalar", map[string]string{"GATEHOUSE_SESSION_REDIS_KEY_PREFIX": "gh:"}, func(c *Config) any { return c.Session.Redis.KeyPrefix }, "gh:"},
		{"int", map[string]string{"GATEHOUSE_SESSION_REDIS_DB": "3"}, func(c *Config) any { return c.Session.Redis.DB }, 3},
		{"bool", map[string]string{"GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN": "true"}, func(c *Config) any { return c.Upstream.PassAccessToken }, true},
		{"list comma", map[string]string{"GATEHOUSE_SESSION_REDIS_ADDRESSES": "r1:6379,r2:6379"},
			func(c *Config) any { return c.Session.Redis.Addresses }, []string{"r1:6379", "r2:6379"}},
		{"list space", map[string]string{"GATEHOUSE_OIDC_SCOPES": "openid  groups"},
			func(c *Config) any { return c.OIDC.Scopes }, []string{"openid", "groups"}},
		{"list comma and space", map[string]string{"GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1"},
			func(c *Config) any { return c.TrustedProxies }, []string{"10.0.0.0/8", "192.0.2.1"}},
		{"two cookie secrets", map[string]string{"GATEHOUSE_COOKIE_SECRETS": secretA + " " + secretB},
			func(c *Config) any { return len(c.Cookie.DecodedSecrets) }, 2},
		{"map", map[string]string{"GATEHOUSE_IDENTITY_HEADERS": "x-user=sub,X-Mail=email"},
			func(c *Config) any { return c.Identity.Headers }, map[string]string{"X-User": "sub", "X-Mail": "email"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			c := mustLoad(t, file, env)
			if got := tc.check(c); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestIdentityHeadersReplaceDefault(t *testing.T) {
	c := mustLoad(t, "identity:\n  headers:\n    x-webauth-user: preferred_username\n", baseEnv())
	want := map[string]string{"X-Webauth-User": "preferred_username"}
	if !reflect.DeepEqual(c.Identity.Headers, want) {
		t.Errorf("headers = %v, want %v", c.Identity.Headers, want)
	}

	c = mustLoad(t, "identity:\n  headers: {}\n", baseEnv())
	if len(c.Identity.Headers) != 0 {
		t.Errorf("an explicit empty map must send no identity headers, got %v", c.Identity.Headers)
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clientFile := write("client", clientSecret+"\n")
	redisFile := write("redis", "redis-pass \r\n")
	cookieFile := write("cookies", "# current\n"+secretA+"\n\n  # old\n"+secretB+"\n")
	emptyFile := write("empty", "\n\n")
	commentsOnly := write("comments", "# nothing here\n")
	missing := filepath.Join(dir, "missing")

	env := baseEnv()
	delete(env, "GATEHOUSE_OIDC_CLIENT_SECRET")
	delete(env, "GATEHOUSE_COOKIE_SECRETS")
	env["GATEHOUSE_OIDC_CLIENT_SECRET_FILE"] = clientFile
	c := mustLoad(t, "session:\n  redis:\n    password_file: "+redisFile+"\ncookie:\n  secrets_file: "+cookieFile+"\n", env)
	if c.OIDC.ClientSecret != clientSecret {
		t.Errorf("client secret from file = %q", c.OIDC.ClientSecret)
	}
	if c.Session.Redis.Password != "redis-pass" {
		t.Errorf("redis password from file = %q (trailing whitespace must be trimmed)", c.Session.Redis.Password)
	}
	if !reflect.DeepEqual(c.Cookie.Secrets, []string{secretA, secretB}) || len(c.Cookie.DecodedSecrets) != 2 {
		t.Errorf("cookie secrets from file = %q", c.Cookie.Secrets)
	}

	cases := []struct {
		name string
		yaml string
		env  map[string]string
		want []string
	}{
		{name: "both value and file", env: map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET_FILE": clientFile},
			want: []string{"oidc.client_secret: cannot be set together with oidc.client_secret_file: set only one of them"}},
		{name: "both cookie secrets and file", yaml: "cookie:\n  secrets_file: " + cookieFile + "\n",
			want: []string{"cookie.secrets: cannot be set together with cookie.secrets_file: set only one of them (from GATEHOUSE_COOKIE_SECRETS)"}},
		{name: "both redis password and file", yaml: "session:\n  redis:\n    password: hunter2-redis\n    password_file: " + redisFile + "\n",
			want: []string{"session.redis.password: cannot be set together with session.redis.password_file: set only one of them"}},
		{name: "missing file", yaml: "oidc:\n  client_secret_file: " + missing + "\n", env: map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET": ""},
			want: []string{`oidc.client_secret_file: cannot read "` + missing + `": no such file or directory`}},
		{name: "endless file", yaml: "session:\n  redis:\n    password_file: /dev/zero\n",
			want: []string{`session.redis.password_file: cannot read "/dev/zero": file is larger than 1 MiB`}},
		{name: "empty file", yaml: "session:\n  redis:\n    password_file: " + emptyFile + "\n",
			want: []string{`session.redis.password_file: file "` + emptyFile + `" is empty`}},
		{name: "secrets file without secrets", yaml: "cookie:\n  secrets_file: " + commentsOnly + "\n", env: map[string]string{"GATEHOUSE_COOKIE_SECRETS": ""},
			want: []string{`cookie.secrets_file: file "` + commentsOnly + `" holds no secret`}},
		{name: "bad secret in file", yaml: "cookie:\n  secrets_file: " + write("bad", secretA+"\nc2hvcnQ=\n") + "\n", env: map[string]string{"GATEHOUSE_COOKIE_SECRETS": ""},
			want: []string{"cookie.secrets_file: secret 2: decodes to 5 bytes, at least 32 are needed (openssl rand -base64 48)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			_, err := load(t, tc.yaml, env)
			lines := errLines(err)
			if !reflect.DeepEqual(lines, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", lines, tc.want)
			}
		})
	}
}

// TestSecretsNeverPrinted feeds secrets into every error path that touches
// them and checks that no message contains them.
func TestSecretsNeverPrinted(t *testing.T) {
	secretFile := writeFile(t, "s", "file-content-secret-xyz\n")
	yaml := `
oidc:
  client_secret_file: ` + secretFile + `
  client_secret: [yaml-list-secret-abc]
session:
  redis:
    password: redis-password-secret
    password_file: ` + secretFile + `
cookie:
  secrets: [short-cookie-secret, "", {a: map-secret}]
  secrets_file: ` + secretFile + `
`
	env := baseEnv()
	delete(env, "GATEHOUSE_OIDC_CLIENT_SECRET")
	delete(env, "GATEHOUSE_COOKIE_SECRETS")
	_, err := load(t, yaml, env)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	for _, s := range []string{"file-content-secret-xyz", "yaml-list-secret-abc", "redis-password-secret", "short-cookie-secret", "map-secret", clientSecret, secretA} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error message contains secret %q:\n%v", s, err)
		}
	}

	env = baseEnv()
	env["GATEHOUSE_COOKIE_SECRETS"] = "bm90LWxvbmctZW5vdWdoLXNlY3JldA,%%not-base64-secret%%"
	_, err = load(t, "", env)
	if err == nil {
		t.Fatal("Load succeeded with bad cookie secrets")
	}
	for _, s := range []string{"bm90LWxvbmctZW5vdWdoLXNlY3JldA", "not-base64-secret", clientSecret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error message contains secret %q:\n%v", s, err)
		}
	}
}

func TestConfigFileErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), envList(baseEnv())); err == nil ||
		!strings.Contains(err.Error(), "config file") {
		t.Errorf("missing config file: got %v", err)
	}
	if _, err := load(t, "listen: [\n", baseEnv()); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("broken YAML: got %v", err)
	}
	if _, err := load(t, "- a\n- b\n", baseEnv()); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("YAML list at top level: got %v", err)
	}
}

// TestExampleConfig loads config.example.yaml with the secrets it leaves out
// and checks that every value it shows equals the built-in default.
func TestExampleConfig(t *testing.T) {
	env := map[string]string{
		"GATEHOUSE_OIDC_CLIENT_SECRET": clientSecret,
		"GATEHOUSE_COOKIE_SECRETS":     secretA,
	}
	got, err := Load(filepath.Join("..", "..", "config.example.yaml"), envList(env))
	if err != nil {
		t.Fatalf("config.example.yaml does not load:\n%v", err)
	}
	env["GATEHOUSE_PUBLIC_URL"] = got.PublicURL
	env["GATEHOUSE_UPSTREAM_URL"] = got.Upstream.URL
	env["GATEHOUSE_OIDC_ISSUER"] = got.OIDC.Issuer
	env["GATEHOUSE_OIDC_CLIENT_ID"] = got.OIDC.ClientID
	want := mustLoad(t, "", env)
	// The example writes the empty lists out; the defaults leave them nil.
	want.TrustedProxies, want.AllowedRedirectHosts = []string{}, []string{}
	want.Identity.Assertion.Keys = []string{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config.example.yaml differs from the defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestValidateIdempotent(t *testing.T) {
	c := mustLoad(t, "public_url: https://app.example.com/\n", baseEnv())
	before := *c
	before.TrustedProxyPrefixes = slices.Clone(c.TrustedProxyPrefixes)
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate on a loaded config: %v", err)
	}
	if !reflect.DeepEqual(*c, before) {
		t.Errorf("Validate changed a loaded config:\n got %+v\nwant %+v", *c, before)
	}
}
