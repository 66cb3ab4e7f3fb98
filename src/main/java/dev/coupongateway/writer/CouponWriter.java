package dev.coupongateway.writer;

import java.time.Duration;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The writer role: consume, store, then commit. A batch is committed only after its rows are in
 * PostgreSQL; database errors are retried with backoff, so nothing is committed unstored.
 */
@Component
class CouponWriter implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(CouponWriter.class);

	private final CouponIssuedSource source;

	private final CouponRows rows;

	private final boolean enabled;

	private final Counter stored;

	private volatile Disposable running;

	CouponWriter(CouponIssuedSource source, CouponRows rows, CouponProperties properties, MeterRegistry meters) {
		this.source = source;
		this.rows = rows;
		this.enabled = properties.plays(Role.WRITER);
		this.stored = Counter.builder("coupon.writer.stored").description("Coupon rows inserted").register(meters);
	}

	@Override
	public void start() {
		if (!this.enabled || this.running != null) {
			return;
		}
		logger.info("Coupon writer started");
		this.running = this.source.batches()
			.concatMap((batch) -> store(batch).then(batch.commit()))
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500)).maxBackoff(Duration.ofSeconds(10))
				.doBeforeRetry((signal) -> logger.warn("Coupon writer restarting after: " + signal.failure())))
			.subscribe();
	}

	private Mono<Long> store(CouponIssuedSource.Batch batch) {
		return this.rows.insert(batch.events())
			.doOnNext(this.stored::increment)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(5))
				.doBeforeRetry((signal) -> logger.warn("Storing " + batch.events().size()
						+ " coupons failed, retrying: " + signal.failure().getMessage())));
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		if (current != null) {
			current.dispose();
			logger.info("Coupon writer stopped");
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

}
