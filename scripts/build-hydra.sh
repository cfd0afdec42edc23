#!/usr/bin/env bash
# Builds Ory Hydra v2.3.0, the certified OpenID provider the logout tests run
# against, from its own module (tools/hydra), so none of its dependencies enter
# gatehouse's go.mod. The binary is cached outside the repository; a second run
# does nothing. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${GATEHOUSE_HYDRA:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/hydra-v2.3.0}
if [[ -x $out ]]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
echo "==> building Ory Hydra v2.3.0 into $out (about 2 minutes, once)" >&2
# The sqlite tags give Hydra its in-memory database (DSN=memory).
go build -C tools/hydra -tags sqlite,json1 -o "$out.tmp" github.com/ory/hydra/v2
mv "$out.tmp" "$out"
echo "$out"
