package tests

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// testCookieSecret is a valid cookie secret (48 bytes, base64).
var testCookieSecret = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef0123456789abcdef"))

// secretArgs gives every secret the chart needs, under prefix ("" for this
// chart, "gatehouse." for a parent chart's subchart values).
func secretArgs(t *testing.T, prefix string) []string {
	t.Helper()
	keyFile := filepath.Join(t.TempDir(), "assertion-key.pem")
	if err := os.WriteFile(keyFile, []byte(standInKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{
		"--set", prefix + "secrets.oidcClientSecret=test-client-secret",
		"--set", prefix + "secrets.cookieSecrets[0]=" + testCookieSecret,
		"--set-file", prefix + "secrets.assertionKeys=" + keyFile,
	}
}

// without returns args less the --set/--set-file pair whose value starts
// with key.
func without(args []string, key string) []string {
	var out []string
	for i := 0; i < len(args); i += 2 {
		if !strings.HasPrefix(args[i+1], key+"=") && !strings.HasPrefix(args[i+1], key+"[") {
			out = append(out, args[i], args[i+1])
		}
	}
	return out
}

// TestChartNeverGeneratesSecrets: a secret missing from the values fails the
// render with a message naming the value and how to provide it, instead of a
// random one (different on every helm template, so on every GitOps sync and
// replica) or an empty client secret.
func TestChartNeverGeneratesSecrets(t *testing.T) {
	all := secretArgs(t, "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"client secret", without(all, "secrets.oidcClientSecret"), "secrets.oidcClientSecret: the OIDC client secret is empty. Set secrets.existingSecret to a Secret you manage"},
		{"cookie secret", without(all, "secrets.cookieSecrets"), "secrets.cookieSecrets: no cookie secret given (openssl rand -base64 48), and the chart does not generate one"},
		{"signing key", without(all, "secrets.assertionKeys"), "secrets.assertionKeys: no assertion signing key given (gatehouse keys generate --alg ES256)"},
		{"signing key for EdDSA", append(without(all, "secrets.assertionKeys"), "--set", "config.identity.assertion.algorithm=EdDSA"), "secrets.assertionKeys: no assertion signing key given"},
		{"existingSecret without the key's name", []string{"--set", "secrets.existingSecret=mine"}, "secrets.assertionKeysKey: name the key of secrets.existingSecret that holds the assertion signing key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := template(t, chartDir, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("helm template %v: error %v, want one containing %q", tc.args, err, tc.want)
			}
		})
	}
	// HS256 needs no key pair: nothing else is missing.
	render(t, chartDir, append(without(all, "secrets.assertionKeys"), "--set", "config.identity.assertion.algorithm=HS256")...)
}

// TestSecretsChecksum: the same values render the same Secret and pod
// template every time (GitOps tools compare renders), and a change of any
// secret's content changes the pod's checksum/secrets, which rolls the pods.
func TestSecretsChecksum(t *testing.T) {
	args := secretArgs(t, "")
	checksum := func(args ...string) (string, []byte) {
		t.Helper()
		m := render(t, chartDir, args...)
		d, ok := m.find("Deployment", "")
		if !ok {
			t.Fatal("no Deployment")
		}
		sec, ok := m.find("Secret", "")
		if !ok {
			t.Fatal("no Secret")
		}
		return d.obj.(*appsv1.Deployment).Spec.Template.Annotations["checksum/secrets"], sec.raw
	}
	first, firstSecret := checksum(args...)
	again, againSecret := checksum(args...)
	if first == "" || first != again || string(firstSecret) != string(againSecret) {
		t.Errorf("two renders of the same values differ: checksum %q and %q", first, again)
	}
	other := base64.StdEncoding.EncodeToString([]byte("another-secret-another-secret-another-secret-48"))
	rotated, _ := checksum(append(without(args, "secrets.cookieSecrets"), "--set", "secrets.cookieSecrets[0]="+other)...)
	if rotated == first {
		t.Error("a new cookie secret left checksum/secrets unchanged")
	}
	newClient, _ := checksum(append(without(args, "secrets.oidcClientSecret"), "--set", "secrets.oidcClientSecret=rotated")...)
	if newClient == first {
		t.Error("a new client secret left checksum/secrets unchanged")
	}
}

// TestSidecarExampleOperations: the HumHub example is safe to run as it is:
// the ingress is trusted for X-Forwarded-*, the app has probes, one
// ReadWriteOnce volume is never mounted by two pods, and its secrets come
// from a Secret the operator manages (no empty client secret).
func TestSidecarExampleOperations(t *testing.T) {
	m := render(t, chartDir, "-f", filepath.Join(repoRoot, "examples/helm/sidecar-humhub.yaml"))
	d := deployment(t, m.all("Deployment")[0])
	pod := &d.Spec.Template.Spec
	_, cfg := configOf(t, m, pod)
	if proxies, _ := dig(cfg, "trusted_proxies").([]any); len(proxies) == 0 {
		t.Error("no trusted_proxies: HumHub would see the ingress's address and http")
	}
	app := containerNamed(pod, "humhub")
	if app == nil {
		t.Fatal("no humhub container")
	}
	if app.ReadinessProbe == nil || app.LivenessProbe == nil {
		t.Errorf("app probes: readiness %v, liveness %v", app.ReadinessProbe, app.LivenessProbe)
	}
	hasPVC := false
	for _, v := range pod.Volumes {
		hasPVC = hasPVC || v.PersistentVolumeClaim != nil
	}
	if _, hpa := m.find("HorizontalPodAutoscaler", ""); hasPVC && (hpa || d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType) {
		t.Errorf("a ReadWriteOnce volume with replicas %v, strategy %q, autoscaling %v: want 1 replica replaced by Recreate",
			d.Spec.Replicas, d.Spec.Strategy.Type, hpa)
	}
	if _, ok := m.find("Secret", ""); ok {
		t.Error("the example renders a Secret; its secrets belong in existingSecret")
	}
	for _, v := range pod.Volumes {
		if v.Secret != nil && v.Secret.SecretName != "humhub-gatehouse" {
			t.Errorf("secret volume %s reads %q, want the existingSecret humhub-gatehouse", v.Name, v.Secret.SecretName)
		}
	}
}
