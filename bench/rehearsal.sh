#!/usr/bin/env bash
# The sale rehearsal: a production-shaped stack on real processes on this machine (three gateway JVMs,
# two writer JVMs, a Redis Cluster of 3 masters + 3 replicas, a Kafka broker, PostgreSQL), one campaign,
# and a crowd played by k6 (k6/crowd.js): PEOPLE distinct people arriving in a surge then a tail, spread
# over the three gateways, each retrying as the answers say; a few bots; optionally one fault mid-surge.
# Then the stores' view (stores.json, coupons.csv) and the report (RehearsalReport), all in OUT.
# A benchmark, never part of ./mvnw verify. Takes SURGE_SECONDS + TAIL_SECONDS + PATIENCE + about 2 min.
#
# Usage: bench/rehearsal.sh              (settings as environment variables, defaults below)
#   PEOPLE=200000 STOCK=1000 LIMIT=1 BUCKETS=3 WAITING_ROOM=off|on ADMIT_PER_SECOND=100 TICKET_TTL=PT1M
#   FAULT=none|gateway|redis-master       (at the middle of the surge: gateway-3 SIGKILLed, or the Redis
#                                          master of bucket 1 SIGKILLed; neither comes back)
#   SURGE_SECONDS=60 TAIL_SECONDS=120 TAIL_LEVEL=0.5 PATIENCE=60 RETRY_CAP=10 POLL_MAX=5
#   BOT_VUS=2 BOT_USERS=20 BOT_ADDRESSES=3 MAX_VUS=3000 PRE_VUS=MAX_VUS   (see k6/crowd.js)
#   RATE_LIMITS=on|off  (on: USER_INTERVAL=1s USER_BURST=3 ADDRESS_INTERVAL=20ms ADDRESS_BURST=50)
#   WARMUP=2000 (claims each gateway sends itself before it is healthy, as in production)
#   ROWS_TIMEOUT_SECONDS=120  DASHBOARD=on|off  K6=/tmp/i17-k6/k6  OUT=target/rehearsal/<timestamp>
set -euo pipefail
cd "$(dirname "$0")/.."
export K6="${K6:-/tmp/i17-k6/k6}"
[ -x "$K6" ] || { echo "k6 not found at $K6 (set K6=/path/to/k6; k6 v2.x, see k6/README.md)" >&2; exit 1; }
export OUT="$(realpath -m "${OUT:-target/rehearsal/$(date -u +%Y%m%dT%H%M%SZ)}")"
mkdir -p "$OUT"
ulimit -n 65536 2> /dev/null || true
started=$(date +%s)
if [ "${SKIP_PACKAGE:-}" != "1" ]; then
  ./mvnw -q -B -DskipTests package
  ./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt > /dev/null
fi
packaged=$(date +%s)
echo "rehearsal: packaged in $((packaged - started)) s; output in $OUT"
classpath="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
status=0
java -Xmx512m -cp "$classpath" -Dbasedir="$PWD" dev.coupongateway.drills.SaleRehearsal 2>&1 | tee "$OUT/rehearsal.log" \
  || status=$?
ran=$(date +%s)
echo "rehearsal: stack, crowd and stores' view in $((ran - packaged)) s (exit $status)"
tail -n 60 "$OUT/k6-stdout.txt" 2> /dev/null || true
if [ -f target/test-classes/dev/coupongateway/rehearsal/RehearsalReport.class ]; then
  java -Xmx1g -cp "$classpath" dev.coupongateway.rehearsal.RehearsalReport "$OUT" || status=$?
  echo "rehearsal: report in $(( $(date +%s) - ran )) s"
else
  echo "rehearsal: no dev.coupongateway.rehearsal.RehearsalReport in this build: report skipped (the records are in $OUT)"
fi
exit $status
