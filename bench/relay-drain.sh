#!/usr/bin/env bash
# The outbox relay's drain of a backlog: ENTRIES grants left in one campaign's outbox (as a Kafka outage
# leaves them), drained by the relay of one instance on the embedded real servers (Redis, PostgreSQL,
# in-JVM Kafka), timed until the outbox is empty and until PostgreSQL holds every row.
# Report: a markdown line on stdout and in target/bench/relay-drain.md.
# Usage: bench/relay-drain.sh   (env: ENTRIES=100000). About a minute. Never part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test -Dtest=RelayDrainBench -Dsurefire.failIfNoSpecifiedTests=false -Dbench.entries="${ENTRIES:-100000}"
cat target/bench/relay-drain.md
