#!/usr/bin/env bash
# One hot campaign over Redis Cluster shards, side by side on this one machine: claim scripts a second
# with the campaign on one slot against three buckets on three masters (Redis alone, redis-benchmark),
# what one stock move between buckets costs, and claims a second through the packaged gateway (wrk).
# Report: target/drills/cluster-scaling.md (copy it into bench/RESULTS.md with the date and commit).
# Usage: bench/cluster-scaling.sh   (env: RUNS=3 DURATION=10s)
# Needs wrk and redis-benchmark (apt-get install wrk redis-tools). Takes about 6 minutes. Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
command -v redis-benchmark > /dev/null || { echo "redis-benchmark is missing: apt-get install redis-tools" >&2; exit 1; }
ulimit -n 65536 2> /dev/null || true
./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt > /dev/null
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dbasedir="$PWD" dev.coupongateway.drills.ClusterScalingBench
