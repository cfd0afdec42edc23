package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/gatehouse/gatehouse/"

// rules say, per package path prefix (relative to the module), which of the
// module's packages it may import. A package matches the longest prefix
// listed; imports are matched by prefix too.
var rules = []struct {
	pkg     string
	mayUse  []string
	comment string
}{
	{"pkg/", nil, "pkg/ is a promise to other modules: it stands alone"},
	{"internal/identity/keys", nil, "leaf"},
	{"internal/logging", nil, "leaf"},
	{"internal/cookie", nil, "leaf"},
	{"internal/headers", nil, "leaf: the header names config and proxy share"},
	{"internal/redirect", nil, "leaf: the redirect rule config and proxy share"},
	{"internal/cache", nil, "leaf: the one bounded cache type"},
	{"internal/pagestyle", nil, "leaf: the stylesheet of gatehouse's pages and the demo's"},
	{"internal/device", nil, "leaf: what the sessions page says about where a login happened"},
	{"internal/session", []string{"internal/cache", "internal/session"}, "the store contract and its implementations"},
	{"internal/claims", []string{"internal/session"}, "the one place for claim reference → value"},
	{"internal/config", []string{"internal/claims", "internal/headers", "internal/identity/keys", "internal/redirect"}, "config is data"},
	{"internal/identity", []string{"internal/cache", "internal/claims", "internal/identity", "internal/session"}, ""},
	{"internal/authz", []string{"internal/claims", "internal/config", "internal/identity", "internal/session"}, ""},
	{"internal/metrics", []string{"internal/session"}, ""},
	{"internal/tracing", []string{"internal/config", "internal/session"}, "spans; what they may record is decided here"},
	{"internal/oidcclient", nil, "the provider's client knows nothing of gatehouse"},
	{"internal/sessionadmin", []string{"internal/session"}, ""},
	{"proxy", []string{"internal/authz", "internal/cache", "internal/claims", "internal/config", "internal/cookie", "internal/device", "internal/headers", "internal/identity",
		"internal/metrics", "internal/oidcclient", "internal/pagestyle", "internal/redirect", "internal/session",
		"internal/tracing"}, "the request path sits below the composition root"},
	{"internal/server", []string{"internal/config", "internal/metrics", "internal/oidcclient",
		"internal/session", "internal/tracing", "proxy"}, "the composition root"},
	{"internal/preflight", []string{"internal/config", "internal/server"}, ""},
	{"internal/demo", []string{"internal/config", "internal/demo", "internal/identity/keys",
		"internal/pagestyle", "internal/server", "pkg/identity/verify"}, ""},
	{"cmd/", []string{"internal/config", "internal/demo", "internal/identity/keys", "internal/logging",
		"internal/preflight", "internal/server", "internal/sessionadmin", "internal/tracing"}, "wiring only"},
	{"bench", []string{"internal/config", "internal/cookie", "internal/demo/idp", "internal/identity/keys",
		"internal/logging", "internal/server", "internal/session"}, "no production export exists for the benchmark"},
	// Test helpers may use what they need, but no production package uses them.
	{"internal/redistest", []string{"internal/syncbuf", "internal/testutil"}, "test helper"},
	{"internal/hydratest", []string{"internal/syncbuf", "internal/testutil"}, "test helper"},
	{"internal/nodeoptest", []string{"internal/syncbuf", "internal/testutil"}, "test helper"},
	{"internal/jaegertest", []string{"internal/syncbuf", "internal/testutil"}, "test helper"},
	{"internal/testidp", []string{"internal/demo/idp"}, "test helper"},
	{"internal/badidp", nil, "test helper"},
	{"internal/testclock", nil, "test helper"},
	{"internal/syncbuf", nil, "test helper"},
	{"internal/testutil", nil, "test helper: ports and polling"},
	{"internal/layers", nil, ""},
	{"proxy/e2e", nil, "tests only"},
	{"docs", nil, "tests only: the documentation's links and the README's config"},
}

// TestLayers lists every package's imports (not its tests') with go list and
// checks them against rules: lower layers never import higher ones, and no
// production package imports a test helper.
func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := 0
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue
		}
		seen++
		rule := -1
		for i, r := range rules {
			if within(pkg, r.pkg) && (rule < 0 || len(r.pkg) > len(rules[rule].pkg)) {
				rule = i
			}
		}
		if rule < 0 {
			t.Errorf("package %s has no layering rule: add it to rules", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			allowed := false
			for _, may := range rules[rule].mayUse {
				allowed = allowed || within(dep, may)
			}
			if !allowed {
				t.Errorf("%s imports %s, which its layer (%s) may not use", pkg, dep, rules[rule].pkg)
			}
		}
	}
	if seen < 20 {
		t.Fatalf("go list named only %d packages of the module", seen)
	}
}

// within reports whether pkg is prefix or lies below it.
func within(pkg, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(pkg, prefix) || pkg+"/" == prefix
	}
	return pkg == prefix || strings.HasPrefix(pkg, prefix+"/")
}
