package dev.coupongateway.event;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Publishes the writer's lag (grants in Kafka not stored yet) as
 * {@code coupon_writer_lag}, read from Kafka every five seconds by each writer instance;
 * -1 while Kafka does not answer.
 */
@Component
class WriterLagGauge extends PeriodicTask {

	private final WriterLag lag;

	private final AtomicLong last = new AtomicLong(-1);

	WriterLagGauge(WriterLag lag, CouponProperties properties, MeterRegistry meters) {
		super(Duration.ofSeconds(5), properties.plays(Role.WRITER));
		this.lag = lag;
		Gauge.builder("coupon.writer.lag", this.last, AtomicLong::get)
			.description("Grants in Kafka the writer's group has not stored yet (-1: Kafka did not answer)")
			.register(meters);
	}

	@Override
	protected Mono<Void> run() {
		return this.lag.get().doOnNext(this.last::set).doOnError((ex) -> this.last.set(-1)).then();
	}

}
