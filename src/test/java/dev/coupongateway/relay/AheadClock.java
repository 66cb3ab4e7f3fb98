package dev.coupongateway.relay;

import java.time.Clock;
import java.time.Duration;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * A gateway clock an hour ahead of Redis', for an instance started with
 * {@code spring.main.sources} naming this class (not a {@code @Configuration}: component
 * scanning must not give it to every instance).
 */
public class AheadClock {

	static final Duration AHEAD = Duration.ofHours(1);

	@Bean
	@Primary
	Clock clockAnHourAhead() {
		return Clock.offset(Clock.systemUTC(), AHEAD);
	}

}
