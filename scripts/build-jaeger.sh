#!/usr/bin/env bash
# Builds Jaeger v1.76.0, the OTLP receiver with a query API that the tracing
# tests export to, from its own module (tools/jaeger), so none of its
# dependencies enter gatehouse's go.mod. Its cmd/jaeger is Jaeger v2, built on
# the OpenTelemetry Collector; the tests run it all-in-one with in-memory
# storage (internal/jaegertest). The binary is cached outside the repository;
# a second run does nothing. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${GATEHOUSE_JAEGER:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/jaeger-v1.76.0}
if [[ -x $out ]]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
echo "==> building Jaeger v1.76.0 into $out (long: 10 minutes or more, once)" >&2
go build -C tools/jaeger -o "$out.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
mv "$out.tmp" "$out"
echo "$out"
