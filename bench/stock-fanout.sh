#!/usr/bin/env bash
# Fan-out of the live stock stream: N Server-Sent-Events subscribers on one gateway instance while
# claims run. For each N: the gateway's RSS and used heap with everyone connected, grant-to-event
# latency p50/p99, values conflated away, and Redis commands per second idle and under claims.
# The gateway runs as the packaged jar (-Xmx512m) in its own JVM; Redis, PostgreSQL and Kafka are the
# dev services in another; the subscribers and the claimer in a third. All on this machine's 2 cores.
# Usage: bench/stock-fanout.sh [subscriber counts...]   (default: 1 1000 5000 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNTS=${*:-1 1000 5000 10000}
RATE=${RATE:-100}
SECONDS_OF_CLAIMS=${SECONDS_OF_CLAIMS:-20}
PORT=8090
BASE=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
ulimit -n 65536 2> /dev/null || true

./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" > /dev/null
CP="target/test-classes:target/classes:$(cat "$WORK/cp.txt")"

java -Xmx768m -cp "$CP" dev.coupongateway.bench.DevServicesMain "$WORK/services.args" > "$WORK/services.log" 2>&1 &
SERVICES=$!
trap 'kill $GATEWAY $SERVICES 2> /dev/null || true' EXIT
for _ in $(seq 1 120); do [ -f "$WORK/services.args" ] && break; sleep 1; done
mapfile -t ARGS < "$WORK/services.args"
REDIS=$(grep -o 'spring.data.redis.url=.*' "$WORK/services.args" | cut -d= -f2)

java -Xmx512m -jar target/coupon-gateway-*.jar "${ARGS[@]}" --server.port=$PORT --coupon.roles=gateway,writer \
  --logging.level.root=WARN > "$WORK/gateway.log" 2>&1 &
GATEWAY=$!
for _ in $(seq 1 120); do curl -sf "$BASE/actuator/health" > /dev/null 2>&1 && break; sleep 1; done
curl -sf "$BASE/actuator/health" > /dev/null || { echo "gateway did not start: $WORK/gateway.log"; exit 1; }

for n in $COUNTS; do
  java -Xmx2g -cp "$CP" dev.coupongateway.bench.StockFanout "$BASE" "$REDIS" dev-admin-token "$n" "$RATE" \
    "$SECONDS_OF_CLAIMS" "$GATEWAY" 2> "$WORK/fanout-$n.err" || { echo "run with $n failed: $WORK/fanout-$n.err"; }
done
