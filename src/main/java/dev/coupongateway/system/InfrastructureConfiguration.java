package dev.coupongateway.system;

import java.time.Clock;

import io.lettuce.core.ClientOptions;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wiring of the shared infrastructure: the clock, strict JSON, and Lettuce's behaviour
 * when Redis is away.
 */
@Configuration(proxyBeanMethods = false)
class InfrastructureConfiguration {

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	/**
	 * JSON is read as written: a whole number is a JSON integer ({@code 5}, not
	 * {@code 5.7} or {@code "5"}), text is a JSON string, and a key given twice is
	 * refused rather than the last one winning. An operator's typo must not become a
	 * campaign.
	 */
	@Bean
	JsonMapperBuilderCustomizer strictJson() {
		return (builder) -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
			.withCoercionConfig(LogicalType.Integer,
					(integers) -> integers.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
			.withCoercionConfig(LogicalType.Textual,
					(texts) -> texts.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
						.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
	}

	/**
	 * While Redis is disconnected, fail commands at once (503) instead of queueing them
	 * up.
	 */
	@Bean
	LettuceClientOptionsBuilderCustomizer failFastWhenRedisIsDown() {
		return (builder) -> builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
	}

}
