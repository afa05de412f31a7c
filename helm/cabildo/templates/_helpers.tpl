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

{{- define "cabildo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cabildo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
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

{{/* Connection settings from Secrets, and the plain env map (sorted by key). */}}
{{- define "cabildo.env" -}}
- name: CABILDO_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required: a Secret with the database URLs" .Values.database.existingSecret }}
      key: {{ .Values.database.urlKey }}
- name: CABILDO_DATABASE_ADMIN_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.existingSecret }}
      key: {{ .Values.database.adminUrlKey }}
{{- if .Values.redis.existingSecret }}
- name: CABILDO_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.urlKey }}
{{- else if .Values.redis.url }}
- name: CABILDO_REDIS_URL
  value: {{ .Values.redis.url | quote }}
{{- end }}
{{- range $key, $value := .Values.env }}
- name: {{ $key }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Container body (all but name and args) of the migration hook's containers. */}}
{{- define "cabildo.migrateContainer" -}}
image: {{ include "cabildo.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
command:
  {{- toYaml .Values.image.command | nindent 2 }}
env:
  {{- include "cabildo.env" . | nindent 2 }}
resources:
  {{- toYaml .Values.migrations.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if .Values.tenants.json }}
  - name: tenants
    mountPath: /etc/cabildo/tenants
    readOnly: true
  {{- end }}
{{- end }}
