#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler) and helm from their upstream Go modules, and installs etcd
# and openssl from Debian. Idempotent: binaries are cached outside the work
# tree, keyed by version, so a second run builds nothing.
#
#   bash test/cluster/build.sh          # build or reuse the cache
#   bash test/cluster/build.sh --print  # print the cache paths (sourced by tools)
set -euo pipefail

K8S_VERSION=v1.34.4        # pinned release; etcd 3.4 from Debian is accepted up to 1.34
K8S_STAGING_VERSION=v0.34.4 # the published twin of every k8s.io/* staging module
HELM_VERSION=v3.19.0

CACHE_ROOT="${SPOOL_CACHE_DIR:-$HOME/.cache/spool}"
K8S_DIR="$CACHE_ROOT/k8s-$K8S_VERSION"
HELM_DIR="$CACHE_ROOT/helm-$HELM_VERSION"
K8S_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)

if [[ "${1:-}" == "--print" ]]; then
  echo "K8S_VERSION=$K8S_VERSION"
  echo "K8S_BIN=$K8S_DIR/bin"
  echo "HELM_BIN=$HELM_DIR/bin"
  exit 0
fi

export PATH="$PATH:/usr/local/go/bin"
log() { printf '[build] %s\n' "$*" >&2; }

install_debian_packages() {
  local missing=()
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v unshare >/dev/null || missing+=(util-linux)
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} from Debian"
  # Only refresh the package lists when apt cannot find the package.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The package starts a system etcd on 2379 where systemd exists; the test
  # cluster runs its own on a free port, so that one is not needed.
  if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
}

have_all_k8s_binaries() {
  local b
  for b in "${K8S_BINARIES[@]}"; do [[ -x "$K8S_DIR/bin/$b" ]] || return 1; done
}

write_k8s_go_mod() {
  local src="$1"
  mkdir -p "$src"
  # k8s.io/kubernetes is not meant to be consumed as a module: its go.mod
  # points every staging module at ./staging/src. Replacing each with its
  # published twin at the same minor release makes it an ordinary module.
  # The list is copied from the go.mod of the pinned tag.
  cat >"$src/go.mod" <<GOMOD
module spool.local/test-control-plane

go 1.24.0

godebug default=go1.24

require k8s.io/kubernetes $K8S_VERSION

tool (
	k8s.io/kubernetes/cmd/kube-apiserver
	k8s.io/kubernetes/cmd/kube-controller-manager
	k8s.io/kubernetes/cmd/kube-scheduler
)

replace (
$(for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go \
    cloud-provider cluster-bootstrap code-generator component-base component-helpers \
    controller-manager cri-api cri-client csi-translation-lib dynamic-resource-allocation \
    endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy \
    kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission \
    sample-apiserver sample-cli-plugin sample-controller; do
  printf '\tk8s.io/%s => k8s.io/%s %s\n' "$m" "$m" "$K8S_STAGING_VERSION"
done)
)
GOMOD
}

build_k8s() {
  if have_all_k8s_binaries; then
    log "kubernetes $K8S_VERSION: cached in $K8S_DIR/bin"
    return 0
  fi
  local src="$K8S_DIR/src" started=$SECONDS
  write_k8s_go_mod "$src"
  log "kubernetes $K8S_VERSION: resolving modules"
  (cd "$src" && go mod tidy)
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local ldflags="-s -w"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  log "kubernetes $K8S_VERSION: compiling ${K8S_BINARIES[*]} (cold: about 5 min on 2 cores)"
  mkdir -p "$K8S_DIR/bin.partial"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -p "${SPOOL_BUILD_JOBS:-2}" -ldflags "$ldflags" \
    -o "$K8S_DIR/bin.partial/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler)
  rm -rf "$K8S_DIR/bin" && mv "$K8S_DIR/bin.partial" "$K8S_DIR/bin"
  log "kubernetes $K8S_VERSION: built in $((SECONDS - started)) s"
  echo "$((SECONDS - started))" >"$K8S_DIR/cold-build-seconds"
}

build_helm() {
  if [[ -x "$HELM_DIR/bin/helm" ]]; then
    log "helm $HELM_VERSION: cached in $HELM_DIR/bin"
    return 0
  fi
  local started=$SECONDS
  log "helm $HELM_VERSION: compiling"
  mkdir -p "$HELM_DIR/bin.partial"
  # helm reads its own version from this variable; without it `helm version`
  # prints the minor default ("v3.19") instead of the release.
  CGO_ENABLED=0 GOBIN="$HELM_DIR/bin.partial" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$HELM_DIR/bin" && mv "$HELM_DIR/bin.partial" "$HELM_DIR/bin"
  log "helm $HELM_VERSION: built in $((SECONDS - started)) s"
  echo "$((SECONDS - started))" >"$HELM_DIR/cold-build-seconds"
}

main() {
  local started=$SECONDS
  install_debian_packages
  build_k8s
  build_helm
  log "done in $((SECONDS - started)) s; binaries: $K8S_DIR/bin, $HELM_DIR/bin"
}

main "$@"
