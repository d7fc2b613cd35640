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

{{/* Liveness for every instance: the server accepts connections (pg_isready). */}}
{{- define "postgres-shard.liveness" -}}
livenessProbe:
  exec:
    command: ["pg_isready", "-h", "127.0.0.1", "-p", "{{ .Values.service.port }}", "-U", "postgres"]
  initialDelaySeconds: {{ .Values.probes.livenessInitialDelaySeconds }}
  periodSeconds: {{ .Values.probes.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.failureThreshold }}
{{- end }}

{{/*
Readiness of every instance. A server in recovery (a standby) is Ready only while its WAL receiver
streams from the primary and it has replayed all but standby.readiness.maxReplayLagBytes of what
it received: a standby that stopped streaming (primary unreachable, slot invalidated, a wrong
primary_conninfo) leaves the ro Service instead of serving ever older data. A server out of
recovery is a primary (the chart's own, or a standby that a failover promoted) and is Ready when
it answers. psql connects over the local socket as postgres.
*/}}
{{- define "postgres-shard.readiness" -}}
readinessProbe:
  exec:
    command:
      - /bin/bash
      - -c
      - |
        state=$(psql -X -At -U postgres -d postgres -v ON_ERROR_STOP=1 -c "
          SELECT CASE
            WHEN NOT pg_is_in_recovery() THEN 'ok'
            WHEN (SELECT status FROM pg_stat_wal_receiver) IS DISTINCT FROM 'streaming'
              THEN 'not streaming from the primary'
            WHEN pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
              > {{ int64 .Values.standby.readiness.maxReplayLagBytes }}
              THEN 'replay behind'
            ELSE 'ok' END") || exit 1
        [ "$state" = ok ] || { echo "$state"; exit 1; }
  initialDelaySeconds: {{ .Values.probes.readinessInitialDelaySeconds }}
  periodSeconds: {{ .Values.probes.periodSeconds }}
  timeoutSeconds: {{ .Values.probes.timeoutSeconds }}
  failureThreshold: {{ .Values.probes.readinessFailureThreshold }}
{{- end }}

{{/* The primary's pod name: `primaryPod`, else the primary StatefulSet's first pod. */}}
{{- define "postgres-shard.primaryPod" -}}
{{- .Values.primaryPod | default (printf "%s-primary-0" (include "postgres-shard.fullname" .)) }}
{{- end }}

{{/*
The prepare-data initContainer of every pod (`root`: the chart's context; `mayInitialise`: true
for the primary StatefulSet, whose server initialises a new cluster in an empty data directory).
The pod named in the topology ConfigMap is the primary: it keeps its data, or leaves an empty
directory to the server's initdb. Every other pod is a standby: it keeps a standby's data, and
otherwise copies the primary with pg_basebackup. A data directory that is not a standby's is a
former primary's (a failover moved the primary away): it is set aside as $PGDATA.former-primary,
only once the new primary answers on the rw Service, and the pod is seeded again.

Safe to interrupt at any moment (pod deleted, node lost): the copy is made in a staging folder and
renamed to $PGDATA only once complete, so $PGDATA either holds a finished copy or does not exist;
a staging folder or a slot left by an interrupted run is discarded and the copy starts over.
*/}}
{{- define "postgres-shard.prepareData" -}}
{{- $fullname := include "postgres-shard.fullname" .root -}}
- name: prepare-data
  image: {{ include "postgres-shard.image" .root }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  command:
    - /bin/bash
    - -ec
    - |
      primary=$(cat "$PRIMARY_POD_FILE")
      staging="$PGDATA.staging"
      if [ "$POD_NAME" = "$primary" ]; then
        if [ -s "$PGDATA/PG_VERSION" ]; then
          echo "this pod is the primary; its data directory is initialised"
          exit 0
        fi
        if [ "$MAY_INITIALISE" = true ]; then
          echo "this pod is the primary; the server initialises a new cluster"
          exit 0
        fi
        echo "this pod is named the primary (primaryPod) but has no data directory: refusing to start an empty primary" >&2
        exit 1
      fi
      if [ -s "$PGDATA/PG_VERSION" ] && [ -f "$PGDATA/standby.signal" ]; then
        echo "data directory already initialised; starting as standby"
        exit 0
      fi
      until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do
        echo "waiting for primary $primary at $PRIMARY_HOST:$PRIMARY_PORT"; sleep 2
      done
      if [ -s "$PGDATA/PG_VERSION" ]; then
        rm -rf "$PGDATA.former-primary"
        mv "$PGDATA" "$PGDATA.former-primary"
        echo "set a former primary's data aside in $PGDATA.former-primary; seeding as a standby of $primary"
      fi
      rm -rf "$PGDATA" "$staging"
      slot="${POD_NAME//-/_}"
      # a slot of this pod's name can only be left by an interrupted run of this pod
      psql -X "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER dbname=replication replication=true" \
        -c "DROP_REPLICATION_SLOT $slot" >/dev/null 2>&1 || true
      pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" \
        -D "$staging" -R -X stream -c fast -C -S "$slot"
      chmod 0700 "$staging"
      mv "$staging" "$PGDATA"
      echo "seeded from the primary; streaming through slot $slot"
  env:
    - name: PGDATA
      value: /var/lib/postgresql/data/pgdata
    - name: POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: MAY_INITIALISE
      value: {{ .mayInitialise | quote }}
    - name: PRIMARY_POD_FILE
      value: /etc/postgres-shard/primary-pod
    - name: PRIMARY_HOST
      value: {{ $fullname }}-rw
    - name: PRIMARY_PORT
      value: {{ .root.Values.service.port | quote }}
    - name: REPLICATION_USER
      value: {{ .root.Values.auth.replicationUser | quote }}
    - name: PGPASSWORD
      valueFrom:
        secretKeyRef:
          name: {{ include "postgres-shard.secretName" .root }}
          key: replication-password
  securityContext:
    {{- toYaml .root.Values.containerSecurityContext | nindent 4 }}
  resources:
    {{- toYaml .resources | nindent 4 }}
  volumeMounts:
    {{- include "postgres-shard.scratchMounts" .root | nindent 4 }}
    - name: topology
      mountPath: /etc/postgres-shard
      readOnly: true
{{- end }}

{{/*
Default affinity of a role (`component`): away from the release's other pods, per antiAffinity.
*/}}
{{- define "postgres-shard.antiAffinity" -}}
{{- /* the servers only: a backup Job's pod of the same release must not push a server away */ -}}
{{- $servers := list (dict "key" "app.kubernetes.io/component" "operator" "In" "values" (list "primary" "standby")) }}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "postgres-shard.selectorLabels" .root | fromYaml) "matchExpressions" $servers) }}
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

{{/* Writable scratch volumes (the root filesystem is read-only) and the topology ConfigMap. */}}
{{- define "postgres-shard.scratchVolumes" -}}
- name: run
  emptyDir: {}
- name: tmp
  emptyDir: {}
- name: topology
  configMap:
    name: {{ include "postgres-shard.fullname" . }}-topology
{{- end }}

{{- define "postgres-shard.scratchMounts" -}}
- name: data
  mountPath: /var/lib/postgresql/data
- name: run
  mountPath: /var/run/postgresql
- name: tmp
  mountPath: /tmp
{{- end }}
