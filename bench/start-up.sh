#!/usr/bin/env bash
# Start-up, launch to ready, on this one machine: real Redis, PostgreSQL and Kafka processes (as the
# drills start them) and the gateway (gateway and writer in one JVM) from the extracted jar, as the image
# runs it, launched RUNS times each way: JDK 17, JDK 17 + CDS archive, JDK 25, JDK 25 + AOT cache (the
# archives made by docker/start-warm.sh, as the image makes them); timed until
# /actuator/health/readiness answers 200. Report: target/drills/start-up.md.
# Usage: bench/start-up.sh   (env: RUNS=3 JAVA25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
#        GATEWAY_JVM="-Xms512m -Xmx512m -XX:+UseG1GC" WARMUP_REQUESTS=2000)
# Runs on JDK 17 (java on the PATH: the JDK 17 rows) and needs a JDK 25 for the others. Takes about
# 6 minutes with the defaults. Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
[ -x "$java25" ] || { echo "no JDK 25 at $java25: set JAVA25" >&2; exit 1; }
./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt > /dev/null
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dbasedir="$PWD" dev.coupongateway.drills.StartUpBench
