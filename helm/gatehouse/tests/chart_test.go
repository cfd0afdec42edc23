package tests

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestChartRendersValidObjects renders the chart with its defaults and with
// each examples/helm/*.yaml, validates every object and checks the gatehouse
// container of every Deployment.
func TestChartRendersValidObjects(t *testing.T) {
	examples, err := filepath.Glob(filepath.Join(repoRoot, "examples/helm/*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples/helm/*.yaml (%v)", err)
	}
	cases := map[string][]string{"default values": secretArgs(t, "")}
	for _, f := range examples {
		cases[filepath.Base(f)] = []string{"-f", f}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			m := render(t, chartDir, args...)
			if _, ok := m.find("ConfigMap", ""); !ok {
				t.Error("no ConfigMap rendered")
			}
			for _, r := range m.all("Deployment") {
				checkPod(t, m, &deployment(t, r).Spec.Template.Spec)
				checkPodServices(t, m, r)
			}
			checkPDB(t, m)
		})
	}
}

// checkPod asserts what every gatehouse pod must have: the hardened
// container, probes on the ops port, mounts that resolve, and a config that
// gatehouse itself accepts.
func checkPod(t *testing.T, m manifest, pod *corev1.PodSpec) {
	t.Helper()
	gh := containerNamed(pod, "gatehouse")
	if gh == nil {
		t.Fatal("no gatehouse container")
	}
	sc := gh.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("gatehouse container has no securityContext")
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Error("runAsNonRoot is not true")
	case sc.RunAsUser == nil || *sc.RunAsUser != 65532:
		t.Error("runAsUser is not 65532 (the image's user)")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("readOnlyRootFilesystem is not true")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation is not false")
	case sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0:
		t.Errorf("capabilities %+v, want drop ALL and add nothing", sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("seccompProfile is not RuntimeDefault")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token; gatehouse never uses the API")
	}

	ports := map[string]int32{}
	for _, p := range gh.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["http"] != 4180 || ports["ops"] != 9180 {
		t.Errorf("gatehouse ports %v, want http 4180 and ops 9180", ports)
	}
	for name, probe := range map[string]*corev1.Probe{"/healthz": gh.LivenessProbe, "/readyz": gh.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil {
			t.Errorf("no httpGet probe for %s", name)
			continue
		}
		if probe.HTTPGet.Path != name || probe.HTTPGet.Port != intstr.FromString("ops") {
			t.Errorf("probe %s: path %s port %s, want %s on ops", name, probe.HTTPGet.Path, probe.HTTPGet.Port.String(), name)
		}
	}
	if strings.Join(gh.Args, " ") != "serve --config /etc/gatehouse/config.yaml" {
		t.Errorf("args %q", gh.Args)
	}

	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]string{}
	for _, vm := range gh.VolumeMounts {
		if _, ok := volumes[vm.Name]; !ok {
			t.Errorf("mount %s names no volume of the pod", vm.Name)
		}
		if !vm.ReadOnly {
			t.Errorf("mount %s is writable", vm.Name)
		}
		mounts[vm.MountPath] = vm.Name
	}
	if mounts["/etc/gatehouse/config.yaml"] == "" || mounts["/etc/gatehouse/secrets"] == "" {
		t.Errorf("mounts %v: want the config at /etc/gatehouse/config.yaml and secrets under /etc/gatehouse/secrets", mounts)
	}
	text, cfg := configOf(t, m, pod)
	checkConfigAccepted(t, m, pod, text, cfg)
}

// checkConfigAccepted runs `gatehouse check-config` on the rendered config,
// with the secret files written from the rendered Secret (or stand-ins for an
// existingSecret): the chart must never produce a config gatehouse refuses.
func checkConfigAccepted(t *testing.T, m manifest, pod *corev1.PodSpec, text string, cfg map[string]any) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	secretData := map[string][]byte{}
	for _, v := range pod.Volumes {
		if v.Secret == nil {
			continue
		}
		if r, ok := m.find("Secret", v.Secret.SecretName); ok {
			secretData = r.obj.(*corev1.Secret).Data
		}
	}
	env := []string{}
	for _, key := range [][]string{
		{"oidc", "client_secret_file"}, {"cookie", "secrets_file"},
		{"session", "redis", "password_file"}, {"identity", "assertion", "keys_file"},
	} {
		path, _ := dig(cfg, key...).(string)
		if path == "" {
			continue
		}
		if !strings.HasPrefix(path, "/etc/gatehouse/secrets/") {
			t.Errorf("%s = %q is outside the mounted Secret", strings.Join(key, "."), path)
		}
		content := secretData[filepath.Base(path)]
		if len(content) == 0 { // an existingSecret, or a value the user passes with --set
			content = []byte(standIn(key[len(key)-1]))
		}
		local := filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(local, content, 0o600); err != nil {
			t.Fatal(err)
		}
		env = append(env, "GATEHOUSE_"+strings.ToUpper(strings.Join(key, "_"))+"="+local)
	}
	cmd := exec.Command(gatehouseBin, "check-config", "--config", file)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("gatehouse check-config refuses the rendered config: %v\n%s\n--- config.yaml\n%s", err, out, text)
	}
}

// standIn is a valid value for a secret the render does not contain.
func standIn(key string) string {
	if key == "keys_file" {
		return standInKey()
	}
	if key == "secrets_file" {
		return base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef0123456789abcdef"))
	}
	return "stand-in-" + key
}

// checkPodServices: every Service that selects the pod sends traffic to
// gatehouse's named ports, never to another container's port.
func checkPodServices(t *testing.T, m manifest, r rendered) {
	t.Helper()
	d := deployment(t, r)
	for _, sr := range m.all("Service") {
		svc := sr.obj.(*corev1.Service)
		if !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if p.TargetPort.Type != intstr.String || (p.TargetPort.StrVal != "http" && p.TargetPort.StrVal != "ops") {
				t.Errorf("Service %s port %s targets %s, not gatehouse's http or ops port", svc.Name, p.Name, p.TargetPort.String())
			}
		}
	}
}

func checkPDB(t *testing.T, m manifest) {
	t.Helper()
	for _, r := range m.all("PodDisruptionBudget") {
		pdb := r.obj.(*policyv1.PodDisruptionBudget)
		matched := false
		for _, d := range m.all("Deployment") {
			matched = matched || selects(pdb.Spec.Selector.MatchLabels, deployment(t, d).Spec.Template.Labels)
		}
		if !matched {
			t.Errorf("PodDisruptionBudget %s selects no pod of the chart", pdb.Name)
		}
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestSidecarWiring: in sidecar mode the app and gatehouse share the pod,
// gatehouse's upstream is the app's port on 127.0.0.1, and the
// NetworkPolicy admits only gatehouse's ports.
func TestSidecarWiring(t *testing.T) {
	m := render(t, chartDir, "-f", filepath.Join(repoRoot, "examples/helm/sidecar-humhub.yaml"))
	d := deployment(t, m.all("Deployment")[0])
	pod := &d.Spec.Template.Spec
	app := containerNamed(pod, "humhub")
	if app == nil || len(pod.Containers) != 2 {
		t.Fatalf("want containers humhub and gatehouse, got %d", len(pod.Containers))
	}
	if len(app.Ports) != 1 || app.Ports[0].ContainerPort != 8080 {
		t.Errorf("app ports %+v, want 8080", app.Ports)
	}
	if len(app.Env) == 0 || len(app.VolumeMounts) == 0 {
		t.Error("app.container's env and volumeMounts were not merged into the app container")
	}
	_, cfg := configOf(t, m, pod)
	if got := dig(cfg, "upstream", "url"); got != "http://127.0.0.1:8080" {
		t.Errorf("upstream.url = %v, want http://127.0.0.1:8080", got)
	}
	np, ok := m.find("NetworkPolicy", "")
	if !ok {
		t.Fatal("no NetworkPolicy")
	}
	var allowed []string
	for _, rule := range np.obj.(*networkingv1.NetworkPolicy).Spec.Ingress {
		if len(rule.From) != 0 {
			t.Errorf("ingress rule limited to peers %v; the chart admits by port only", rule.From)
		}
		for _, p := range rule.Ports {
			allowed = append(allowed, p.Port.String())
		}
	}
	if strings.Join(allowed, ",") != "http,ops" {
		t.Errorf("NetworkPolicy admits ports %v, want only gatehouse's http and ops", allowed)
	}
}

// TestIncludeHelperInAnotherChart renders an application chart that has this
// chart as a dependency and adds the container with "gatehouse.container".
func TestIncludeHelperInAnotherChart(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "my-app")
	copyDir(t, "testdata/parent", parent)
	copyDir(t, chartDir, filepath.Join(parent, "charts", "gatehouse"))

	m := render(t, parent, secretArgs(t, "gatehouse.")...)
	d, ok := m.find("Deployment", "gh-my-app")
	if !ok {
		t.Fatal("the application's Deployment was not rendered")
	}
	pod := &deployment(t, d).Spec.Template.Spec
	if containerNamed(pod, "app") == nil || len(pod.Containers) != 2 {
		t.Fatalf("want containers app and gatehouse, got %d", len(pod.Containers))
	}
	checkPod(t, m, pod)
	checkPodServices(t, m, d)
	if gh := containerNamed(pod, "gatehouse"); gh.Image != "ghcr.io/gatehouse/gatehouse:0.1.0" {
		t.Errorf("image %q", gh.Image)
	}
	for _, kind := range []string{"Deployment", "Service", "PodDisruptionBudget", "ServiceAccount"} {
		for _, r := range m.all(kind) {
			if strings.Contains(r.name, "gatehouse") {
				t.Errorf("include mode rendered %s %s: only the ConfigMap and Secret belong to it", kind, r.name)
			}
		}
	}
}

// TestChartRefusesMisconfiguration: mistakes that would give a broken or
// unsafe deployment stop helm with a message naming the value.
func TestChartRefusesMisconfiguration(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "config.session.store=memory"}, "config.session.store: memory keeps sessions in one pod only"},
		{[]string{"--set", "config.oidc.client_secret=x"}, "config.oidc.client_secret: put the client secret in secrets.oidcClientSecret"},
		{[]string{"--set", "config.session.redis.password=x"}, "config.session.redis.password: put the Redis password in secrets.redisPassword"},
		{[]string{"--set", "mode=sidecar"}, "app.image: sidecar mode needs your application's image"},
		{[]string{"--set", "securityContext.runAsNonRoot=false"}, "/securityContext/runAsNonRoot"},
		{[]string{"--set", "image.tag=latest"}, "/image/tag"},
		{[]string{"--set", "mode=sidecarr"}, "/mode"},
		{[]string{"--set", "replicaCount=2", "--set", "replicas=3"}, "additional properties 'replicas' not allowed"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := template(t, chartDir, append(secretArgs(t, ""), tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("helm template %v: error %v, want one containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() && rel == "tests" {
			return filepath.SkipDir // the chart's own tests are not part of it
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(fmt.Errorf("copy %s: %w", src, err))
	}
}

// standInKey is a fresh P-256 key in SEC1 PEM (no key is committed).
func standInKey() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}
