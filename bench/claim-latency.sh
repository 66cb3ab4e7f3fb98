#!/usr/bin/env bash
# What a claim costs. Starts the gateway on the dev services (./mvnw spring-boot:test-run), creates a
# campaign with 10,000,000 coupons, warms the JVM up with wrk, then measures
#   1. single claims, one at a time with curl (each a new user): median / p90 / p99 over N requests,
#      in RUNS runs; the median of the run medians is the number to quote;
#   2. throughput and latency under load with wrk (2 threads, 64 connections, new user per request).
# Usage: bench/claim-latency.sh [N=300] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300}
RUNS=${2:-3}
PORT=8080
BASE=http://127.0.0.1:$PORT
LOG=$(mktemp)

./mvnw -q -B spring-boot:test-run > "$LOG" 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null; pkill -f TestCouponGatewayApplication 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  curl -sf "$BASE/actuator/health" > /dev/null 2>&1 && break
  sleep 1
done
curl -sf "$BASE/actuator/health" > /dev/null || { echo "gateway did not start; log: $LOG"; exit 1; }

CAMPAIGN=bench-$(date +%s)
curl -sf -X POST "$BASE/api/admin/campaigns" -H 'Authorization: Bearer dev-admin-token' \
  -H 'Content-Type: application/json' \
  -d "{\"id\":\"$CAMPAIGN\",\"name\":\"bench\",\"totalStock\":10000000}" > /dev/null

echo "# warm-up: wrk 20 s"
RUN=warm CAMPAIGN=$CAMPAIGN wrk -t2 -c32 -d20s -s bench/claim.lua "$BASE" > /dev/null

echo "# single claims, sequential, curl, N=$N per run"
for run in $(seq 1 "$RUNS"); do
  for i in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -H "X-User-Id: single-$run-$i" \
      "$BASE/api/campaigns/$CAMPAIGN/coupons"
  done | awk '$1 != 201 { bad++ } { print $2 * 1000 }
              END { if (bad) print "non-201 answers: " bad > "/dev/stderr" }' | sort -n |
    awk -v run="$run" '{ a[NR] = $1 } END {
      printf "run %d: median %.2f ms, p90 %.2f ms, p99 %.2f ms (n=%d)\n", run, a[int(NR*0.5)], a[int(NR*0.9)], a[int(NR*0.99)], NR }'
done

echo "# under load: wrk -t2 -c64 -d30s, a new user per request"
for run in $(seq 1 "$RUNS"); do
  echo "run $run:"
  RUN=load$run CAMPAIGN=$CAMPAIGN wrk -t2 -c64 -d30s -s bench/claim.lua "$BASE" | grep -E "latency p|requests/s|status"
done
