{{/* Names: the release name when it already says "spool", else "<release>-spool"; at most 63 characters. */}}
{{- define "spool.fullname" -}}
{{- if contains "spool" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-spool" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "spool.name" -}}{{ include "spool.fullname" .root }}-{{ .component }}{{- end -}}

{{- define "spool.selectorLabels" -}}
app.kubernetes.io/name: spool
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "spool.labels" -}}
{{ include "spool.selectorLabels" . }}
app.kubernetes.io/part-of: spool
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* Labels of objects that belong to no single component (RBAC, the token Secret). */}}
{{- define "spool.commonLabels" -}}
app.kubernetes.io/name: spool
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: spool
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "spool.image" -}}
{{- printf "%s%s:%s" .root.Values.image.registry .name (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{- define "spool.adminTokenSecret" -}}
{{- default (printf "%s-admin-token" (include "spool.fullname" .)) .Values.adminToken.existingSecret -}}
{{- end -}}

{{/* The Secret holding Spool's Redis passwords (keys admin, controller, gateway); empty in shared-credential mode. */}}
{{- define "spool.redisAuthSecret" -}}
{{- if .Values.redis.auth.existingSecret -}}
{{- .Values.redis.auth.existingSecret -}}
{{- else if .Values.redis.bundled -}}
{{- printf "%s-redis-auth" (include "spool.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Who the gateway or the controller is to Redis: (dict "root" . "user" "gateway"|"controller"). Nothing in
     shared-credential mode, where the URL alone says how to connect. */}}
{{- define "spool.redisUserEnv" -}}
{{- $secret := include "spool.redisAuthSecret" .root -}}
{{- if $secret -}}
- { name: SPOOL_REDIS_USERNAME, value: {{ printf "spool-%s" .user }} }
- name: SPOOL_REDIS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ $secret }}, key: {{ .user }} } }
{{- end }}
{{- end -}}

{{- define "spool.redisHost" -}}
{{- printf "%s-redis.%s.svc" (include "spool.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/* SPOOL_REDIS_URL for the gateway and the controller. */}}
{{- define "spool.redisUrlEnv" -}}
- name: SPOOL_REDIS_URL
{{- if .Values.redis.bundled }}
  value: {{ printf "redis://%s:6379" (include "spool.redisHost" .) | quote }}
{{- else if .Values.redis.external.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.external.existingSecret }}
      key: {{ .Values.redis.external.existingSecretKey }}
{{- else if .Values.redis.external.url }}
  value: {{ .Values.redis.external.url | quote }}
{{- else }}
{{- fail "redis.bundled is false: set redis.external.url or redis.external.existingSecret" }}
{{- end }}
{{- end -}}

{{/* How function pods in other namespaces reach Redis: a Secret there, or the same URL. */}}
{{- define "spool.functionRedisEnv" -}}
{{- if and (not .Values.redis.bundled) .Values.redis.external.functionSecret }}
- name: SPOOL_FUNCTION_REDIS_SECRET
  value: {{ printf "%s/%s" .Values.redis.external.functionSecret .Values.redis.external.functionSecretKey | quote }}
{{- else if and (not .Values.redis.bundled) .Values.redis.external.existingSecret }}
{{- fail "redis.external.existingSecret is set: also set redis.external.functionSecret, the Secret function pods read the URL from in their own namespace" }}
{{- else }}
- name: SPOOL_FUNCTION_REDIS_URL
  value: {{ ternary (printf "redis://%s:6379" (include "spool.redisHost" .)) .Values.redis.external.url .Values.redis.bundled | quote }}
{{- end }}
{{- end -}}

{{/* Pod-level security for Spool's own services: non-root, default seccomp. */}}
{{- define "spool.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{- define "spool.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: { drop: [ALL] }
{{- end -}}

{{- define "spool.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "spool.pullSecrets" -}}
{{- with .Values.image.pullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget for a component: (dict "root" . "component" NAME "values" COMPONENT-VALUES).
     Not for a single replica: minAvailable 1 of 1 would block every node drain. */}}
{{- define "spool.podDisruptionBudget" -}}
{{- if and .values.podDisruptionBudget.enabled (gt (int .values.replicas) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "spool.name" . }}
  namespace: {{ .root.Release.Namespace }}
  labels: {{- include "spool.labels" . | nindent 4 }}
spec:
  minAvailable: {{ .values.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels: {{- include "spool.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* The namespaces the gateway serves, as a JSON list: gateway.namespaces, else watchNamespaces (empty: all).
     With watchNamespaces set, the gateway's Roles exist only there, so gateway.namespaces must be among them. */}}
{{- define "spool.gatewayNamespaces" -}}
{{- $own := .Values.gateway.namespaces -}}
{{- $watched := .Values.watchNamespaces -}}
{{- if and $watched $own -}}
{{- range $own -}}
{{- if not (has . $watched) -}}
{{- fail (printf "gateway.namespaces: %q is not in watchNamespaces, where the gateway's Roles are" .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson (default $watched $own) -}}
{{- end -}}

{{/* A component's rules bound to its ServiceAccount: (dict "root" . "component" NAME "rules" RULES-YAML).
     A ClusterRole and ClusterRoleBinding when watchNamespaces is empty; else a Role and RoleBinding in each of
     those namespaces, so the component can do nothing anywhere else. */}}
{{- define "spool.scopedRbac" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "spool.fullname" $root) .component -}}
{{- $labels := include "spool.labels" (dict "root" $root "component" .component) -}}
{{- $subject := printf "{ kind: ServiceAccount, name: %s, namespace: %s }" $name $root.Release.Namespace -}}
{{- if not $root.Values.watchNamespaces }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ $name }}
  labels: {{- $labels | nindent 4 }}
rules: {{- .rules | trim | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ $name }}
  labels: {{- $labels | nindent 4 }}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {{ $name }} }
subjects:
  - {{ $subject }}
{{- else }}
{{- range $root.Values.watchNamespaces }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  namespace: {{ . }}
  labels: {{- $labels | nindent 4 }}
rules: {{- $.rules | trim | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  namespace: {{ . }}
  labels: {{- $labels | nindent 4 }}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{ $name }} }
subjects:
  - {{ $subject }}
{{- end }}
{{- end }}
{{- end -}}
