#!/bin/sh
# Start warm: a training run of the gateway that records what its startup loads, so later launches
# map those classes in instead of finding, reading, verifying and linking them again.
#
#   docker/start-warm.sh extract <jar> <dir>   the jar's layers, each a directory under <dir>
#                                              (dependencies/, spring-boot-loader/, snapshot-dependencies/,
#                                              application/): app.jar and lib/*.jar once merged, the
#                                              layout `java -jar app.jar` runs (no launcher, no nested jars)
#   docker/start-warm.sh train <dir>           in <dir> (app.jar and lib/): the training run, then a check
#                                              that the JVM accepts what it wrote (fails otherwise)
#
# train writes, depending on the JVM it finds ($JAVA, else java on the PATH):
#   JDK 25 or later  <dir>/app.aot  AOT cache (JEP 483/514/515): classes loaded and linked, method
#                                   profiles; run with  java -XX:AOTCache=app.aot -jar app.jar
#   JDK 17 to 24     <dir>/app.jsa  dynamic CDS archive: classes parsed and verified;
#                                   run with  java -XX:SharedArchiveFile=app.jsa -jar app.jar
# Either is only good for the JVM build that wrote it, the same classpath (same paths, the jars
# unchanged) and compatible options (JAVA_TOOL_OPTIONS counts): the Dockerfile trains in the runtime
# image itself, in /app, as the user and with the JAVA_TOOL_OPTIONS the container runs with. A JVM that
# cannot use the file says so (-Xlog:aot / -Xlog:cds) and starts without it, cold but correct.
#
# The training run starts the application up to the end of the context refresh
# (spring.context.exit=onRefresh: every bean made, nothing started, no port opened) with no server
# anywhere: it must work in a `docker build`. Redis, PostgreSQL and Kafka point at 127.0.0.1:1, where
# nothing listens: Redis and R2DBC connect lazily; the Kafka topics and producer warm-up give up after
# coupon.kafka.startup-timeout (1 s here) as they do when a broker is down; Flyway, the one bean that
# needs its server during the refresh, is off (its classes load from the jars at run time, once).
# Secrets are random and thrown away: nothing of the configuration ends up in the file, only classes.
set -eu

JAVA=${JAVA:-java}

usage() {
	echo "usage: $0 extract <jar> <dir> | train <dir>" >&2
	exit 2
}

# The JVM's feature release (17, 25, ...), from `java -version` (its first line may be JAVA_TOOL_OPTIONS').
feature() {
	"$JAVA" -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

# A throwaway random value for the settings that must not be placeholders.
random() {
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

extract() {
	"$JAVA" -Djarmode=tools -jar "$1" extract --layers --destination "$2" --application-filename app.jar
}

# Runs the application in the current directory until its context is refreshed; $@: JVM options.
refresh() {
	"$JAVA" "$@" -Dspring.context.exit=onRefresh -jar app.jar \
		--spring.data.redis.url=redis://127.0.0.1:1 \
		--spring.r2dbc.url=r2dbc:postgresql://127.0.0.1:1/training \
		--spring.kafka.bootstrap-servers=127.0.0.1:1 \
		--spring.flyway.enabled=false \
		--coupon.kafka.startup-timeout=1s \
		--coupon.jwt.secret="$(random)" \
		--coupon.admin.token="$(random)" \
		--logging.level.org.apache.kafka=ERROR
}

train() {
	cd "$1"
	[ -f app.jar ] || { echo "$1/app.jar is missing: extract first" >&2; exit 1; }
	version=$(feature)
	[ -n "$version" ] || { echo "cannot tell the version of $JAVA" >&2; exit 1; }
	if [ "$version" -ge 25 ]; then
		rm -f app.aot app.aot.config
		echo "start-warm: training run on JDK $version, writing the AOT cache $1/app.aot"
		# One step (JEP 514): record, then a child JVM assembles the cache. Warnings about classes it
		# cannot keep (proxies, classes Spring defines at run time) are expected and kept out of the log.
		refresh -XX:AOTCacheOutput=app.aot -Xlog:aot=error
		[ -s app.aot ] || { echo "no AOT cache written" >&2; exit 1; }
		# AOTMode=on: fails instead of starting cold when the cache cannot be used
		echo "start-warm: checking that JDK $version uses app.aot"
		refresh -XX:AOTCache=app.aot -XX:AOTMode=on -Xlog:aot=error -Xlog:class+load=info:file=classes.log > check.log 2>&1 \
			|| { cat check.log >&2; echo "the JVM refused app.aot" >&2; exit 1; }
	else
		rm -f app.jsa
		echo "start-warm: training run on JDK $version, writing the CDS archive $1/app.jsa"
		refresh -XX:ArchiveClassesAtExit=app.jsa -Xlog:cds=error -Xlog:cds+dynamic=error
		[ -s app.jsa ] || { echo "no CDS archive written" >&2; exit 1; }
		# Xshare:on: fails instead of starting cold when the archive cannot be used
		echo "start-warm: checking that JDK $version uses app.jsa"
		refresh -XX:SharedArchiveFile=app.jsa -Xshare:on -Xlog:cds=error -Xlog:class+load=info:file=classes.log > check.log 2>&1 \
			|| { cat check.log >&2; echo "the JVM refused app.jsa" >&2; exit 1; }
	fi
	# Where the check run's classes came from: most must be the file's ("source: shared objects file"),
	# the rest are classes it cannot hold (proxies, classes Spring generates, ...)
	loaded=$(grep -c 'source:' classes.log || true)
	shared=$(grep -c 'source: shared objects file' classes.log || true)
	rm -f check.log classes.log
	echo "start-warm: $shared of $loaded classes loaded from the archive in the check run"
	[ "$shared" -gt $((loaded / 2)) ] || { echo "too few classes from the archive" >&2; exit 1; }
	ls -l app.aot app.jsa 2> /dev/null || true
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
extract) [ $# -eq 2 ] || usage; extract "$1" "$2" ;;
train) [ $# -eq 1 ] || usage; train "$1" ;;
*) usage ;;
esac
