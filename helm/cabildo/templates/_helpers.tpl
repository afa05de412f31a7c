{{/* Chart name, overridable. */}}
{{- define "cabildo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name, at most 63 characters (DNS label). */}}
{{- define "cabildo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cabildo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Every pod of the release: API pods and the migration hook's. */}}
{{- define "cabildo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cabildo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The API pods only: the Deployment, Service, PDB and ServiceMonitor select
these, so the hook's pods are never a Service endpoint. */}}
{{- define "cabildo.apiSelectorLabels" -}}
{{ include "cabildo.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{- define "cabildo.labels" -}}
helm.sh/chart: {{ include "cabildo.chart" . }}
{{ include "cabildo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cabildo
{{- end }}

{{- define "cabildo.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret the API pods read, and the one the hook reads. */}}
{{- define "cabildo.secretName" -}}
{{- default (include "cabildo.fullname" .) .Values.secrets.existingSecret }}
{{- end }}
{{- define "cabildo.hookSecretName" -}}
{{- default (printf "%s-hook" (include "cabildo.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* Settings that are secret: never in a ConfigMap, always a secretKeyRef. */}}
{{- define "cabildo.secretVariables" -}}
CABILDO_DATABASE_URL CABILDO_DATABASE_ADMIN_URL CABILDO_REDIS_URL CABILDO_DATA_KEY CABILDO_BOOTSTRAP_ADMIN_PASSWORD
{{- end }}

{{/* Shutdown arithmetic: preStop sleep + server drain + in-flight bound. */}}
{{- define "cabildo.shutdownBound" -}}
{{- $s := .Values.shutdown }}
{{- add (mul 2 (int $s.drainSeconds)) (int $s.inFlightSeconds) }}
{{- end }}
{{- define "cabildo.terminationGracePeriodSeconds" -}}
{{- $bound := include "cabildo.shutdownBound" . | int }}
{{- $grace := .Values.shutdown.terminationGracePeriodSeconds }}
{{- if kindIs "invalid" $grace }}
{{- add $bound 5 }}
{{- else if le (int $grace) $bound }}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must exceed preStop (%d s) + drain (%d s) + in-flight bound (%d s) = %d" (int $grace) (int .Values.shutdown.drainSeconds) (int .Values.shutdown.drainSeconds) (int .Values.shutdown.inFlightSeconds) $bound) }}
{{- else }}
{{- int $grace }}
{{- end }}
{{- end }}

{{/* The ConfigMap's data: the plain settings, sorted by key. */}}
{{- define "cabildo.configData" -}}
{{- $derived := dict
  "CABILDO_LISTEN" (printf "0.0.0.0:%d" (int .Values.containerPort))
  "CABILDO_MAX_BODY_BYTES" (toString (int64 .Values.maxBodyBytes))
  "CABILDO_SHUTDOWN_DRAIN_MS" (toString (mul (int .Values.shutdown.drainSeconds) 1000))
  "CABILDO_TRUSTED_PROXIES" (join "," .Values.trustedProxies)
  "CABILDO_MIGRATIONS_DIR" .Values.image.migrationsDir
  "CABILDO_PLUGIN_DIR" .Values.image.pluginDir
  "CABILDO_PORTAL_DIR" .Values.image.portalDir }}
{{- $secret := splitList " " (include "cabildo.secretVariables" .) }}
{{- range $key, $value := .Values.config }}
{{- if has $key $secret }}
{{- fail (printf "config.%s is a secret: put it in the Secret (secrets.existingSecret or secrets.*), never in the ConfigMap" $key) }}
{{- end }}
{{- if hasKey $derived $key }}
{{- fail (printf "config.%s is set by the chart from another value (containerPort, maxBodyBytes, shutdown.drainSeconds, trustedProxies or image.*Dir): set that one" $key) }}
{{- end }}
{{- if not (hasPrefix "CABILDO_" $key) }}
{{- fail (printf "config.%s: only CABILDO_* settings belong here (use extraEnv)" $key) }}
{{- end }}
{{- end }}
{{- $all := merge (dict) $derived .Values.config }}
{{- range $key := keys $all | sortAlpha }}
{{ $key }}: {{ get $all $key | toString | quote }}
{{- end }}
{{- end }}

{{/* Pod-level settings shared by the API pods and the migration hook. */}}
{{- define "cabildo.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .Values.serviceAccount.name }}
serviceAccountName: {{ .Values.serviceAccount.name }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* One env entry read from a Secret key named like the variable. */}}
{{- define "cabildo.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .name }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* The API pods' secret settings (never the admin URL). */}}
{{- define "cabildo.apiSecretEnv" -}}
{{- $name := include "cabildo.secretName" . }}
{{- $s := .Values.secrets }}
{{- if $s.existingSecret }}
{{- include "cabildo.secretEnv" (dict "name" "CABILDO_DATABASE_URL" "secret" $name) }}
{{ include "cabildo.secretEnv" (dict "name" "CABILDO_REDIS_URL" "secret" $name "optional" true) }}
{{ include "cabildo.secretEnv" (dict "name" "CABILDO_DATA_KEY" "secret" $name "optional" true) }}
{{- else }}
{{- include "cabildo.secretEnv" (dict "name" "CABILDO_DATABASE_URL" "secret" $name) }}
{{- if $s.redisUrl }}
{{ include "cabildo.secretEnv" (dict "name" "CABILDO_REDIS_URL" "secret" $name) }}
{{- end }}
{{- if $s.dataKey }}
{{ include "cabildo.secretEnv" (dict "name" "CABILDO_DATA_KEY" "secret" $name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* The hook's environment: plain settings inline (the ConfigMap does not
exist yet at pre-install), connection settings from the hook's Secret. */}}
{{- define "cabildo.hookEnv" -}}
{{- $name := include "cabildo.hookSecretName" . }}
{{- $s := .Values.secrets }}
{{- $optional := not (empty $s.existingSecret) }}
{{- include "cabildo.secretEnv" (dict "name" "CABILDO_DATABASE_URL" "secret" $name) }}
{{- if or $s.existingSecret $s.databaseAdminUrl }}
{{ include "cabildo.secretEnv" (dict "name" "CABILDO_DATABASE_ADMIN_URL" "secret" $name "optional" $optional) }}
{{- end }}
- name: CABILDO_MIGRATIONS_DIR
  value: {{ .Values.image.migrationsDir | quote }}
- name: CABILDO_PLUGIN_DIR
  value: {{ .Values.image.pluginDir | quote }}
{{- range $key := list "CABILDO_PLUGINS_OPTIONAL" "CABILDO_LOG_LEVEL" "CABILDO_DB_TIMEOUT_MS" }}
{{- if hasKey $.Values.config $key }}
- name: {{ $key }}
  value: {{ get $.Values.config $key | toString | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Container body (all but name, command and args) of the hook's containers:
(dict "root" $ "bootstrap" <bool>); the bootstrap step alone gets the
admin's identity, and the password as a file. */}}
{{- define "cabildo.hookContainer" -}}
{{- $ := .root -}}
image: {{ include "cabildo.image" $ | quote }}
imagePullPolicy: {{ $.Values.image.pullPolicy }}
env:
  {{- include "cabildo.hookEnv" $ | nindent 2 }}
  {{- if .bootstrap }}
  - name: CABILDO_BOOTSTRAP_ADMIN_EMAIL
    value: {{ required "bootstrapAdmin.email is required with bootstrapAdmin.enabled" $.Values.bootstrapAdmin.email | quote }}
  - name: CABILDO_BOOTSTRAP_ADMIN_NAME
    value: {{ $.Values.bootstrapAdmin.name | quote }}
  {{- end }}
resources:
  {{- toYaml $.Values.migrations.resources | nindent 2 }}
securityContext:
  {{- toYaml $.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if .bootstrap }}
  # The password as a file (`--password-file`): never in the environment.
  - name: bootstrap-password
    mountPath: /etc/cabildo/bootstrap
    readOnly: true
  {{- end }}
  {{- if include "cabildo.tenantsJson" $ }}
  - name: tenants
    mountPath: /etc/cabildo/tenants
    readOnly: true
  {{- end }}
{{- end }}

{{/* The tenants file's contents: tenants.json, else the chart file tenants.file. */}}
{{- define "cabildo.tenantsJson" -}}
{{- if .Values.tenants.json }}
{{- .Values.tenants.json }}
{{- else if .Values.tenants.file }}
{{- $text := .Files.Get .Values.tenants.file }}
{{- if not $text }}
{{- fail (printf "tenants.file %q is not in the chart (copy it under helm/cabildo/, or pass --set-file tenants.json=...)" .Values.tenants.file) }}
{{- end }}
{{- $text }}
{{- end }}
{{- end }}
