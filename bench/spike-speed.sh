#!/usr/bin/env bash
# Spike speed, side by side on this one machine: real Redis, PostgreSQL and Kafka processes (as the
# drills start them), the packaged gateway (with its writer in the same JVM, and without; in header mode
# and in jwt mode), a minimal WebFlux app as the ceiling, one more gateway with rate limits on that never
# limit (the limiter's cost), one with coupon.issue.ack=redis, and any other builds given in JARS.
# Parts (PARTS, all by default):
#   http   each instance warmed up, then the same wrk command against each in turn, RUNS times: the
#          ceiling, grants while stock lasts, sold-out answers, duplicate claims, unknown campaign; every
#          grant/sold-out/duplicate row of the header pair again against the jwt pair (HS256 tokens
#          minted by the bench, one user each), with the jwt/header ratio run by run (target >= 90%)
#   cold   a fresh gateway+writer JVM per row: launch-to-ready seconds, then the first DURATION of
#          grants and of sold-out, header and jwt (grants in header mode also with the warm-up off),
#          each as a share of the warm figure of the same row and mode
#   k6     k6/spike.js against a fresh gateway+writer JVM (the packaged jar on the same servers):
#          PEAK_RPS=2000 as soon as it is ready, 2000 again warm, then 4000 warm; p50/p90/p99, 503s
#   drain  the writer's drain of DRAIN_EVENTS queued events against PostgreSQL's own COPY of as many rows
# Report: target/drills/spike-speed.md (copy it into bench/RESULTS.md with the date and commit).
# Usage: bench/spike-speed.sh, with env:
#   RUNS=3 DURATION=15s CONNECTIONS=64 WARMUP=30s (wrk load on each instance before the runs)
#   DRAIN_EVENTS=200000 WARMUP_REQUESTS=2000 (the claim-path warm-up of each gateway)
#   GATEWAY_JVM="-Xms512m -Xmx512m"
#   ONLY=<regex>      runs only the rows whose names match (and, unless PARTS says otherwise, only http)
#   PARTS=http,cold,k6,drain
#   JARS="label=path,label=path"   other builds (say, each commit of a series), each a gateway-only
#                     instance in header mode measured in the same runs on grants, sold-out and
#                     duplicates, with its share of this build's row run by run;
#                     BASELINE_JAR=<path> is one more entry, labelled BASELINE_JAR
#   K6=<path to k6>   (default: k6 on the PATH, else /tmp/i17-k6/k6; the k6 part is skipped without one)
#   K6_HOLD=10s K6_STOCK=1000 K6_IDENTITY=header|jwt
#   MAX_TOKENS=600000 most bearer tokens minted for one jwt run (beyond that they are reused: reported)
#   PROFILE=cpu|wall|cpu,wall|jfr   profiles run n of every gateway row with the n-th mode: async-profiler
#                     4.1 (tools.profiler:async-profiler from Maven Central, loaded with jcmd
#                     JVMTI.agent_load) writes a flame graph (html) and collapsed stacks, or JFR; the
#                     report gets each profile's top frames. ASYNC_PROFILER_LIB overrides the library.
# Needs wrk (apt-get install wrk). About 20 minutes with the defaults. Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
ulimit -n 65536 2> /dev/null || true
if [ -z "${K6:-}" ]; then
  K6=$(command -v k6 || true)
  [ -z "$K6" ] && [ -x /tmp/i17-k6/k6 ] && K6=/tmp/i17-k6/k6
  export K6
fi
MVN_FLAGS=${MVN_FLAGS:-}
./mvnw -q -B $MVN_FLAGS -DskipTests package
./mvnw -q -B $MVN_FLAGS dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt > /dev/null
if [[ "${PROFILE:-}" == *cpu* || "${PROFILE:-}" == *wall* ]] && [ -z "${ASYNC_PROFILER_LIB:-}" ]; then
  case "$(uname -m)" in aarch64) ARCH=linux-arm64 ;; *) ARCH=linux-x64 ;; esac
  ./mvnw -q -B $MVN_FLAGS dependency:copy -Dartifact=tools.profiler:async-profiler:4.1 \
    -DoutputDirectory=target/async-profiler > /dev/null
  unzip -o -q -j target/async-profiler/async-profiler-4.1.jar "$ARCH/libasyncProfiler.so" -d target/async-profiler
  export ASYNC_PROFILER_LIB="$PWD/target/async-profiler/libasyncProfiler.so"
fi
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dbasedir="$PWD" dev.coupongateway.drills.SpikeSpeedBench
