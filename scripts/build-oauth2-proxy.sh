#!/usr/bin/env bash
# Builds oauth2-proxy v7.15.6, the proxy the benchmark's login storm compares
# gatehouse with (go run ./bench), from its own module (tools/oauth2-proxy),
# so none of its dependencies enter gatehouse's go.mod. The binary is cached
# outside the repository; a second run does nothing. Prints the binary's
# path; the benchmark finds it there or through GATEHOUSE_OAUTH2_PROXY.
# Not part of scripts/test.sh: the benchmark reports "not built" without it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${GATEHOUSE_OAUTH2_PROXY:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/oauth2-proxy-v7.15.6}
if [[ -x $out ]]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
echo "==> building oauth2-proxy v7.15.6 into $out (a few minutes, once)" >&2
# The version its own release builds stamp in (it prints it with --version).
go build -C tools/oauth2-proxy -ldflags "-X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=v7.15.6" \
  -o "$out.tmp" github.com/oauth2-proxy/oauth2-proxy/v7
mv "$out.tmp" "$out"
echo "$out"
