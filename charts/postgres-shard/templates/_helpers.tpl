{{/* Chart name, truncated to the DNS label limit. */}}
{{- define "postgres-shard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name; leaves room for the -primary-headless suffix. */}}
{{- define "postgres-shard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value */}}
{{- define "postgres-shard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Common labels. */}}
{{- define "postgres-shard.labels" -}}
helm.sh/chart: {{ include "postgres-shard.chart" . }}
{{ include "postgres-shard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: shardgate
{{- end }}

{{/* Selector labels (add app.kubernetes.io/component to pick primary or standby). */}}
{{- define "postgres-shard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "postgres-shard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "postgres-shard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "postgres-shard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The credentials Secret; fails the render when it is not set. */}}
{{- define "postgres-shard.secretName" -}}
{{- required "postgres-shard: auth.existingSecret is required — create a Secret with keys postgres-password, replication-password and app-password and set auth.existingSecret to its name (the chart never generates passwords)" .Values.auth.existingSecret }}
{{- end }}

{{/* Pinned image reference (`repository:tag`, `@digest` appended when set); refuses `latest`. */}}
{{- define "postgres-shard.image" -}}
{{- if or (not .Values.image.tag) (eq (toString .Values.image.tag) "latest") }}
{{- fail "postgres-shard: image.tag must be pinned to a specific version (not empty, not latest)" }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository (toString .Values.image.tag) }}
{{- with .Values.image.digest }}{{ printf "@%s" . }}{{ end }}
{{- end }}

{{/* `-c key=value` postgres flags: shared config merged with the role's extraConfig. */}}
{{- define "postgres-shard.configArgs" -}}
{{- $cfg := merge (deepCopy .extra) (deepCopy .base) }}
{{- range $k := keys $cfg | sortAlpha }}
- "-c"
- {{ printf "%s=%v" $k (get $cfg $k) | quote }}
{{- end }}
{{- end }}

{{/* Environment shared by every postgres container. */}}
{{- define "postgres-shard.env" -}}
- name: PGDATA
  value: /var/lib/postgresql/data/pgdata
- name: POSTGRES_USER
  value: postgres
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "postgres-shard.secretName" . }}
      key: postgres-password
{{- end }}

{{/*
Liveness for every instance: the server accepts connections (pg_isready). Readiness of the primary
is the same; a standby's is "postgres-shard.standbyReadiness".
*/}}
{{- define "postgres-shard.liveness" -}}
livenessProbe:
  exec:
    command: ["pg_isready", "-h", "127.0.0.1", "-p", "{{ .Values.service.port }}", "-U", "postgres"]
  initialDelaySeconds: {{ .Values.probes.livenessInitialDelaySeconds }}
  periodSeconds: {{ .Values.probes.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.failureThreshold }}
{{- end }}

{{- define "postgres-shard.probeTiming" -}}
initialDelaySeconds: {{ .Values.probes.readinessInitialDelaySeconds }}
periodSeconds: {{ .Values.probes.periodSeconds }}
timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
failureThreshold: {{ .Values.probes.readinessFailureThreshold }}
{{- end }}

{{- define "postgres-shard.primaryReadiness" -}}
readinessProbe:
  exec:
    command: ["pg_isready", "-h", "127.0.0.1", "-p", "{{ .Values.service.port }}", "-U", "postgres"]
  {{- include "postgres-shard.probeTiming" . | nindent 2 }}
{{- end }}

{{/*
A standby is Ready only while it is in recovery, its WAL receiver streams from the primary, and it
has replayed all but standby.readiness.maxReplayLagBytes of what it received: a standby that
stopped streaming (primary unreachable, slot invalidated, a wrong primary_conninfo) leaves the ro
Service instead of serving ever older data. psql connects over the local socket as postgres.
*/}}
{{- define "postgres-shard.standbyReadiness" -}}
readinessProbe:
  exec:
    command:
      - /bin/bash
      - -c
      - |
        state=$(psql -X -At -U postgres -d postgres -v ON_ERROR_STOP=1 -c "
          SELECT CASE
            WHEN NOT pg_is_in_recovery() THEN 'not in recovery'
            WHEN (SELECT status FROM pg_stat_wal_receiver) IS DISTINCT FROM 'streaming'
              THEN 'not streaming from the primary'
            WHEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
              > {{ int64 .Values.standby.readiness.maxReplayLagBytes }}
              THEN 'replay behind'
            ELSE 'ok' END") || exit 1
        [ "$state" = ok ] || { echo "$state"; exit 1; }
  {{- include "postgres-shard.probeTiming" . | nindent 2 }}
{{- end }}

{{/*
Default affinity of a role (`component`): away from the release's other pods, per antiAffinity.
*/}}
{{- define "postgres-shard.antiAffinity" -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "postgres-shard.selectorLabels" .root | fromYaml)) }}
{{- if eq .root.Values.antiAffinity "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - {{- toYaml $term | nindent 6 }}
{{- else if eq .root.Values.antiAffinity "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        {{- toYaml $term | nindent 8 }}
{{- end }}
{{- end }}

{{/* Writable scratch volumes (the root filesystem is read-only). */}}
{{- define "postgres-shard.scratchVolumes" -}}
- name: run
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end }}

{{- define "postgres-shard.scratchMounts" -}}
- name: data
  mountPath: /var/lib/postgresql/data
- name: run
  mountPath: /var/run/postgresql
- name: tmp
  mountPath: /tmp
{{- end }}
