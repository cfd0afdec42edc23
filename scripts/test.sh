#!/usr/bin/env bash
# Runs gatehouse's whole test suite. First installs what the tests need and the
# machine lacks (on Debian/Ubuntu, as root, through apt); elsewhere it names
# what to install. With CI=true a missing component fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package that provides it
declare -A need=(
  [redis-server]=redis-server
  [nginx]=nginx-light
  [redis-cli]=redis-tools
  [php]=php-cli
)

missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done

if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${missing[*]} (apt)"
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

echo "==> gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi

echo "==> go vet"
go vet ./...

echo "==> go test"
go test -race -count=1 -timeout 15m ./...

# The load benchmark in its smoke mode (a few seconds): proves it still runs,
# measures nothing worth reading.
echo "==> bench smoke (go run ./bench -smoke)"
bench_out=$(mktemp -d)
go run ./bench -smoke -json "$bench_out/bench.json"
rm -rf "$bench_out"
