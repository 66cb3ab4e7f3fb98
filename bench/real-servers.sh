#!/usr/bin/env bash
# The packaged jar on real server processes (as the drills start them: PostgreSQL, redis-server or
# embedded-redis, a Kafka broker JVM in KRaft mode), one gateway+writer JVM, for load tools such as k6:
# it prints "Packaged gateway on real servers: http://127.0.0.1:<port> (admin token drill-token)".
# Usage: bench/real-servers.sh   (Ctrl-C stops everything). Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt > /dev/null
exec java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dbasedir="$PWD" dev.coupongateway.drills.RealServersMain
