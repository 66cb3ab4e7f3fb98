#!/usr/bin/env bash
# The k6 spike alone (the k6 part of bench/spike-speed.sh): real Redis, PostgreSQL and Kafka processes,
# a fresh gateway+writer JVM of the packaged jar, then k6/spike.js with PEAK_RPS=2000 as soon as it is
# ready, 2000 again (warm), 4000 (warm); per run claim p50/p90/p99, 503s, grants, dropped iterations.
# The issue's target: p99 < 100 ms and no 503.
# Usage: K6=<path to k6> bench/k6-spike.sh   (env: K6_HOLD=10s K6_STOCK=1000 K6_IDENTITY=header|jwt
#        WARMUP_REQUESTS=2000 GATEWAY_JVM="-Xms512m -Xmx512m"). Report: target/drills/spike-speed.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=k6 exec bench/spike-speed.sh
