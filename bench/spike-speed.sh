#!/usr/bin/env bash
# Spike speed, side by side on this one machine: real Redis, PostgreSQL and Kafka processes (as the
# drills start them), the packaged gateway (with its writer in the same JVM, and without), and a minimal
# WebFlux app as the ceiling (and one more gateway with rate limits on that never limit: the limiter's cost).
# Each is warmed up, then the same wrk command runs against each in turn,
# RUNS times: the ceiling, grants while stock lasts, sold-out answers, duplicate claims. Then the
# writer's drain of DRAIN_EVENTS queued events against PostgreSQL's own COPY of as many rows.
# Report: target/drills/spike-speed.md (copy it into bench/RESULTS.md with the date and commit).
# Usage: bench/spike-speed.sh   (env: RUNS=3 DURATION=15s CONNECTIONS=64 WARMUP=60s DRAIN_EVENTS=1000000
#        GATEWAY_JVM="-Xms512m -Xmx512m"; ONLY=<regex> runs only the rows whose names match, and skips the
#        first-seconds and drain parts; BASELINE_JAR=<path to another build's jar> adds its grant, sold-out and
#        duplicate rows, measured in the same runs, e.g. the jar of the commit before an upgrade)
#        DRAIN_ONLY=1 runs only the drain part (about a minute with DRAIN_EVENTS=300000).
# Needs wrk (apt-get install wrk). Takes about 12 minutes with the defaults. Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
ulimit -n 65536 2> /dev/null || true
./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt > /dev/null
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dbasedir="$PWD" dev.coupongateway.drills.SpikeSpeedBench
