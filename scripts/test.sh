#!/usr/bin/env bash
# Runs gatehouse's whole test suite. First installs what the tests need and the
# machine lacks (on Debian/Ubuntu, as root, through apt); elsewhere it names
# what to install. With CI=true a missing component fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

# step NAME prints a step's heading; the time each step took is printed as a
# table at the end, so a slow machine shows where its minutes went.
step_names=() step_secs=() step_start=$SECONDS
step() {
  if ((${#step_names[@]})); then
    step_secs+=($((SECONDS - step_start)))
  fi
  step_names+=("$1") step_start=$SECONDS
  echo "==> $1"
}
step_summary() {
  step_secs+=($((SECONDS - step_start)))
  echo "==> step times (total ${SECONDS}s)"
  for i in "${!step_names[@]}"; do
    printf '    %6ss  %s\n' "${step_secs[$i]}" "${step_names[$i]}"
  done
}
# Temporary folders to remove at exit; the step times are printed at any exit,
# a failed one included.
cleanup=()
on_exit() {
  rm -rf "${cleanup[@]}"
  step_summary
}
trap on_exit EXIT

# command -> Debian package that provides it
declare -A need=(
  [redis-server]=redis-server
  [nginx]=nginx-light
  [redis-cli]=redis-tools
  [php]=php-cli
  [chromium]=chromium
  # oidc-provider (tools/oidc-provider) runs on Node.js
  [node]=nodejs
  [npm]=npm
)

missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done

if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    step "install ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "The tests need: ${missing[*]}"
    echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install ${missing[*]})."
    if [[ ${CI:-} == true ]]; then
      echo "CI=true: refusing to run with components missing." >&2
      exit 1
    fi
    echo "Tests that need them will be skipped."
  fi
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi

# Go tools, pinned, installed from the Go module proxy into GOBIN when missing
# (later runs reuse them). Without CI=true a tool that cannot be installed
# skips its step with a message; with CI=true it fails the run.
HELM_VERSION=v3.22.0
GOLANGCI_VERSION=v2.15.0
GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=v0.0.0-20261105234957-e22db6528018
gobin=$(go env GOBIN)
gobin=${gobin:-$(go env GOPATH)/bin}
export PATH="$gobin:$PATH"

# tool NAME PACKAGE@VERSION VERSION-CHECK-COMMAND: installs when absent or of
# another version; returns 1 when it cannot be had.
tool() {
  local name=$1 pkg=$2 check=$3
  if [[ -x $gobin/$name ]] && eval "$check" >/dev/null 2>&1; then
    return 0
  fi
  step "install $pkg (go install, once)"
  if go install "$pkg"; then
    return 0
  fi
  if [[ ${CI:-} == true ]]; then
    echo "CI=true: could not install $pkg." >&2
    exit 1
  fi
  echo "could not install $pkg: its step is skipped." >&2
  return 1
}

step "go vet"
go vet ./...
(cd tools/dockerfile && go vet ./...)
(cd helm/gatehouse/tests && go vet ./...)

if tool golangci-lint "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_VERSION" \
  "go version -m $gobin/golangci-lint | grep -q 'golangci-lint/v2.*$GOLANGCI_VERSION'"; then
  step "golangci-lint"
  golangci-lint run ./...
fi

# govulncheck against an offline copy of the Go vulnerability database, with
# the Go release the image is built with (go.mod's toolchain line, which
# tools/dockerfile keeps equal to the Dockerfile's golang tag): that standard
# library is the one gatehouse ships.
if tool govulncheck "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" \
  "go version -m $gobin/govulncheck | grep -q 'golang.org/x/vuln.*$GOVULNCHECK_VERSION'" &&
  tool indexdb "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" \
    "go version -m $gobin/indexdb | grep -q '$VULNDB_VERSION'"; then
  vulndb="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/vulndb-$VULNDB_VERSION"
  if [[ ! -f $vulndb/index/db.json ]]; then
    step "index the Go vulnerability database $VULNDB_VERSION (once)"
    src=$(go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    rm -rf "$vulndb" && mkdir -p "$vulndb"
    indexdb -vulns "$src/data/osv" -out "$vulndb"
  fi
  toolchain=$(awk '$1 == "toolchain" {print $2}' go.mod)
  step "govulncheck (${toolchain:-local toolchain})"
  GOTOOLCHAIN=${toolchain:-local} govulncheck -db "file://$vulndb" ./...
fi

if tool helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "go version -m $gobin/helm | grep -q 'helm.sh/helm/v3.*$HELM_VERSION'"; then
  step "helm lint"
  helmhome=$(mktemp -d)
  cleanup+=("$helmhome")
  export HELM_CONFIG_HOME=$helmhome/config HELM_CACHE_HOME=$helmhome/cache HELM_DATA_HOME=$helmhome/data
  helm lint --strict helm/gatehouse
  for values in examples/helm/*.yaml; do
    echo "    with $values"
    helm lint --strict helm/gatehouse -f "$values"
  done
fi

step "Ory Hydra v2.3.0 (logout tests against a certified provider; built once, cached)"
if hydra=$(./scripts/build-hydra.sh); then
  export GATEHOUSE_HYDRA=$hydra
elif [[ ${CI:-} == true ]]; then
  echo "CI=true: Hydra could not be built." >&2
  exit 1
else
  echo "Hydra could not be built; the tests that need it will be skipped."
fi

step "oidc-provider 9.13.3 (npm ci in tools/oidc-provider; a certified provider for the interop tests)"
if command -v npm >/dev/null 2>&1 &&
  (cd tools/oidc-provider && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
  :
elif [[ ${CI:-} == true ]]; then
  echo "CI=true: oidc-provider could not be installed." >&2
  exit 1
else
  echo "oidc-provider could not be installed; the tests that need it will be skipped."
fi

step "Jaeger v1.76.0 (OTLP receiver of the tracing tests; built once, cached)"
if jaeger=$(./scripts/build-jaeger.sh); then
  export GATEHOUSE_JAEGER=$jaeger
elif [[ ${CI:-} == true ]]; then
  echo "CI=true: Jaeger could not be built." >&2
  exit 1
else
  echo "Jaeger could not be built; the tests that need it will be skipped."
fi

step "go test"
go test -race -count=1 -timeout 15m ./...

# Separate modules (their own go.mod keeps buildkit and client-go out of
# gatehouse's): the chart's manifests and the Dockerfile.
step "go test (helm/gatehouse/tests: chart rendering, validated offline)"
(cd helm/gatehouse/tests && go test -count=1 -timeout 10m ./...)
step "go test (tools/dockerfile: buildkit lint, image rules, static build)"
(cd tools/dockerfile && go test -count=1 -timeout 10m ./...)
# Each fuzz target briefly, by a count of executions (scripts/fuzz.sh says
# why; FUZZTIME=0 skips, see docs/testing.md "Fuzzing" for longer runs).
step "fuzz (scripts/fuzz.sh)"
./scripts/fuzz.sh
# The load benchmark in its smoke mode (a few seconds): proves it still runs,
# measures nothing worth reading.
step "bench smoke (go run ./bench -smoke)"
bench_out=$(mktemp -d)
cleanup+=("$bench_out")
go run ./bench -smoke -json "$bench_out/bench.json"
