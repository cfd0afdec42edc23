#!/usr/bin/env bash
# Runs every fuzz target once, briefly. scripts/test.sh calls it; run it alone
# to fuzz without the rest of the suite.
#
# Budgets are counts of executions, not durations, by default. Go 1.26's fuzz
# coordinator can fail a duration-bounded run at the end of its window with a
# bare "context deadline exceeded" and no failing input (golang/go#75804, fixed
# in Go 1.27): a race that a loaded 2-core machine hits about once in a dozen
# runs. A count budget sets no deadline, so the race cannot happen; a slow
# machine only takes longer.
#
# FUZZTIME overrides the budget of every target: a count ("200000x") or a
# duration ("30s"); "0" skips fuzzing. A failure is retried (twice at most)
# only when it is that coordinator race: the output names the deadline and no
# failing input was written. A real finding always writes its input under the
# package's testdata/fuzz/<target>/ first, and fails at once.
set -euo pipefail
cd "$(dirname "$0")/.."

# package:target budget. The counts give each target a few seconds on an idle
# 2-core machine and under a minute on a loaded one (their speeds differ by
# two orders of magnitude: FuzzLoad builds a whole config per input).
targets=(
  "./proxy:FuzzSessionCookie 20000x"
  "./proxy:FuzzRedirect 20000x"
  "./proxy:FuzzIdentityHeaders 10000x"
  "./proxy:FuzzForwardingHeaders 10000x"
  "./internal/config:FuzzLoad 2000x"
  "./internal/authz:FuzzCleanPath 50000x"
  "./internal/oidcclient:FuzzLogoutToken 20000x"
)

if [[ ${FUZZTIME:-} == 0 ]]; then
  echo "FUZZTIME=0: fuzzing skipped"
  exit 0
fi

# coordinator_race reports whether a failed run's output is the coordinator's
# deadline race rather than a finding.
coordinator_race() {
  grep -q 'context deadline exceeded' <<<"$1" && ! grep -q 'Failing input written to' <<<"$1"
}

for entry in "${targets[@]}"; do
  target=${entry%% *} budget=${FUZZTIME:-${entry##* }}
  pkg=${target%%:*} name=${target##*:}
  for try in 1 2 3; do
    echo "==> fuzz $name ($budget)"
    if out=$(go test -run '^$' -fuzz "^$name\$" -fuzztime "$budget" -timeout 20m "$pkg" 2>&1); then
      echo "$out" | tail -n 1
      break
    fi
    if ((try < 3)) && coordinator_race "$out"; then
      echo "    the fuzz coordinator's deadline race (golang/go#75804), no input saved: retrying"
      continue
    fi
    echo "$out" >&2
    exit 1
  done
done
