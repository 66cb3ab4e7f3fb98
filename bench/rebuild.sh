#!/usr/bin/env bash
# A check (rebuild) of a large campaign against PostgreSQL: ROWS stored coupons (1,000,000), Redis' state
# of the campaign gone, one check on the embedded real servers, timed until the campaign grants again,
# with the heap it took. Report: a markdown line on stdout and in target/bench/rebuild.md.
# Usage: bench/rebuild.sh   (env: ROWS=1000000). A few minutes (most of it inserting the rows). Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test -Dtest=RebuildBench -Dsurefire.failIfNoSpecifiedTests=false -Dbench.rows="${ROWS:-1000000}"
cat target/bench/rebuild.md
