{{/*
Names. They do not use .Chart.Name, so that "gatehouse.container" renders the
same names when another chart includes it (mode: include).
*/}}
{{- define "gatehouse.name" -}}
{{- default "gatehouse" .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gatehouse.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "gatehouse.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: {{ ternary "auth-proxy" "application" (eq .Values.mode "standalone") }}
{{- end -}}

{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "gatehouse.secretName" -}}
{{- default (include "gatehouse.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "gatehouse.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Whether the Secret holds a Redis password / assertion keys. */}}
{{- define "gatehouse.hasRedisPassword" -}}
{{- if .Values.secrets.existingSecret -}}{{- if .Values.secrets.redisPasswordKey -}}true{{- end -}}
{{- else if .Values.secrets.redisPassword -}}true{{- end -}}
{{- end -}}
{{- define "gatehouse.hasAssertionKeys" -}}
{{- if .Values.secrets.existingSecret -}}{{- if .Values.secrets.assertionKeysKey -}}true{{- end -}}
{{- else if or .Values.secrets.assertionKeys (include "gatehouse.signsWithKey" .) -}}true{{- end -}}
{{- end -}}
{{/* The assertion is signed with a private key (ES256, the default, or EdDSA), which every replica must share; HS256 uses a shared secret instead. */}}
{{- define "gatehouse.signsWithKey" -}}
{{- if ne (upper (dig "identity" "assertion" "algorithm" "ES256" (default dict .Values.config))) "HS256" -}}true{{- end -}}
{{- end -}}

{{/*
gatehouse.secretsChecksum changes whenever the secret content does, so that
pods restart to read it: the Secret as rendered (values, or kept from the
cluster) and, with existingSecret, that Secret's data when the cluster can be
read (helm install/upgrade; helm template sees no cluster and hashes the
values alone, which is stable across renders).
*/}}
{{- define "gatehouse.secretsChecksum" -}}
{{- $external := dict -}}
{{- if .Values.secrets.existingSecret -}}
{{- $external = dig "data" dict (lookup "v1" "Secret" .Release.Namespace .Values.secrets.existingSecret) -}}
{{- end -}}
{{- print (include (print .Template.BasePath "/secret.yaml") .) (toJson .Values.secrets) (toJson $external) | sha256sum -}}
{{- end -}}

{{/*
gatehouse.config renders config.yaml: the user's config with the keys the
chart owns (listeners, secret files, the sidecar upstream) set over it.
*/}}
{{- define "gatehouse.config" -}}
{{- $cfg := deepCopy (default dict .Values.config) -}}
{{- if (dig "oidc" "client_secret" "" $cfg) }}{{ fail "config.oidc.client_secret: put the client secret in secrets.oidcClientSecret (or secrets.existingSecret), not in the ConfigMap" }}{{ end -}}
{{- if (dig "cookie" "secrets" list $cfg) }}{{ fail "config.cookie.secrets: put cookie secrets in secrets.cookieSecrets (or secrets.existingSecret), not in the ConfigMap" }}{{ end -}}
{{- if (dig "session" "redis" "password" "" $cfg) }}{{ fail "config.session.redis.password: put the Redis password in secrets.redisPassword (or secrets.existingSecret), not in the ConfigMap" }}{{ end -}}
{{- $dir := "/etc/gatehouse/secrets" -}}
{{- $own := dict
  "listen" (printf ":%v" .Values.ports.http)
  "ops_listen" (printf ":%v" .Values.ports.ops)
  "oidc" (dict "client_secret_file" (printf "%s/%s" $dir .Values.secrets.oidcClientSecretKey))
  "cookie" (dict "secrets_file" (printf "%s/%s" $dir .Values.secrets.cookieSecretsKey)) -}}
{{- if include "gatehouse.hasRedisPassword" . -}}
{{- $_ := set $own "session" (dict "redis" (dict "password_file" (printf "%s/%s" $dir (default "redis-password" .Values.secrets.redisPasswordKey)))) -}}
{{- end -}}
{{- if include "gatehouse.hasAssertionKeys" . -}}
{{- $_ := set $own "identity" (dict "assertion" (dict "keys_file" (printf "%s/%s" $dir (default "assertion-keys" .Values.secrets.assertionKeysKey)))) -}}
{{- end -}}
{{- if eq .Values.mode "sidecar" -}}
{{- $_ := set $own "upstream" (dict "url" (printf "http://127.0.0.1:%v" .Values.app.port)) -}}
{{- end -}}
{{- toYaml (mergeOverwrite $cfg $own) -}}
{{- end -}}

{{/*
gatehouse.container is the gatehouse container of a pod. Another chart that
has this chart as a dependency (mode: include) adds it to its own pod:

  containers:
    - name: my-app
      ...
    {{- include "gatehouse.container" (dict "Values" .Values.gatehouse "Release" .Release "Chart" .Chart) | nindent 4 }}
  volumes:
    {{- include "gatehouse.volumes" (dict "Values" .Values.gatehouse "Release" .Release "Chart" .Chart) | nindent 4 }}

Set gatehouse.image.tag there: .Chart is then the including chart.
*/}}
{{- define "gatehouse.container" -}}
- name: gatehouse
  image: {{ include "gatehouse.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args: ["serve", "--config", "/etc/gatehouse/config.yaml"]
  ports:
    - name: http
      containerPort: {{ .Values.ports.http }}
      protocol: TCP
    - name: ops
      containerPort: {{ .Values.ports.ops }}
      protocol: TCP
  {{- with .Values.env }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  livenessProbe:
    httpGet:
      path: /healthz
      port: ops
    {{- toYaml .Values.livenessProbe | nindent 4 }}
  readinessProbe:
    httpGet:
      path: /readyz
      port: ops
    {{- toYaml .Values.readinessProbe | nindent 4 }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: gatehouse-config
      mountPath: /etc/gatehouse/config.yaml
      subPath: config.yaml
      readOnly: true
    - name: gatehouse-secrets
      mountPath: /etc/gatehouse/secrets
      readOnly: true
{{- end -}}

{{- define "gatehouse.volumes" -}}
- name: gatehouse-config
  configMap:
    name: {{ include "gatehouse.fullname" . }}
- name: gatehouse-secrets
  secret:
    secretName: {{ include "gatehouse.secretName" . }}
    defaultMode: 292 # 0444: the files must be readable by uid 65532 without an fsGroup
{{- end -}}
