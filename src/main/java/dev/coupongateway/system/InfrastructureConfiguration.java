package dev.coupongateway.system;

import java.time.Clock;

import io.lettuce.core.ClientOptions;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wiring of the shared infrastructure: the clock, and Lettuce's behaviour when Redis is away. */
@Configuration(proxyBeanMethods = false)
class InfrastructureConfiguration {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	/** While Redis is disconnected, fail commands at once (503) instead of queueing them up. */
	@Bean
	LettuceClientOptionsBuilderCustomizer failFastWhenRedisIsDown() {
		return (builder) -> builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
	}

}
