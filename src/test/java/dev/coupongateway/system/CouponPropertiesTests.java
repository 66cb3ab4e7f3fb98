package dev.coupongateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** The settings tree: defaults, and a refusal to start without a way to tell callers apart. */
class CouponPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class);

	@Test
	void whenNoTokenKeyIsSetThenTheDefaultJwtModeRefusesToStart() {
		this.runner.run((context) -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.hasMessageContaining("coupon.identity=jwt needs a key"));
		this.runner.withPropertyValues("coupon.jwt.secret=too-short")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("32 bytes"));
		this.runner.withPropertyValues("coupon.jwt.secret=a-secret-of-at-least-thirty-two-bytes")
			.run((context) -> assertThat(context.getBean(CouponProperties.class).identity())
				.isEqualTo(CouponProperties.Identity.JWT));
		this.runner.withPropertyValues("coupon.jwt.jwk-set-uri=https://id.example.test/jwks")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void whenTheWaitingRoomSecretIsShortThenStartupFails() {
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
				"coupon.waiting-room.secret=short")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.waiting-room.secret must be at least 32 bytes"));
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
				"coupon.waiting-room.secret=a-secret-of-at-least-thirty-two-bytes")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void whenHeaderModeHasNoAdminTokenThenStartupFails() {
		this.runner.withPropertyValues("coupon.identity=header").run((context) -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.hasMessageContaining("coupon.admin.token"));
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token= ")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void whenOnlyTheTokenIsSetThenDefaultsApply() {
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret").run((context) -> {
			CouponProperties properties = context.getBean(CouponProperties.class);
			assertThat(properties.plays(CouponProperties.Role.GATEWAY)).isTrue();
			assertThat(properties.plays(CouponProperties.Role.WRITER)).isTrue();
			assertThat(properties.kafka().topic()).isEqualTo("coupon.issued");
			assertThat(properties.kafka().bootstrapServers()).isEqualTo("127.0.0.1:9092");
		});
	}

	@Test
	void whenRolesAreSetThenOnlyThoseArePlayed() {
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret", "coupon.roles=writer").run((context) -> {
			CouponProperties properties = context.getBean(CouponProperties.class);
			assertThat(properties.plays(CouponProperties.Role.GATEWAY)).isFalse();
			assertThat(properties.plays(CouponProperties.Role.WRITER)).isTrue();
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(CouponProperties.class)
	static class Config {

	}

}
