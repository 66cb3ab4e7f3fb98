package dev.coupongateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings tree: defaults, and a refusal to start without a way to tell callers
 * apart.
 */
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
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("32 bytes"));
		this.runner.withPropertyValues("coupon.jwt.secret=a-secret-of-at-least-thirty-two-bytes")
			.run((context) -> assertThat(context.getBean(CouponProperties.class).identity())
				.isEqualTo(CouponProperties.Identity.JWT));
		this.runner.withPropertyValues("coupon.jwt.jwk-set-uri=https://id.example.test/jwks")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void whenTheWaitingRoomSecretIsShortThenStartupFails() {
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
					"coupon.waiting-room.secret=short")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.waiting-room.secret must be at least 32 bytes"));
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
					"coupon.waiting-room.secret=a-secret-of-at-least-thirty-two-bytes")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void whenHeaderModeHasNoAdminTokenThenStartupFails() {
		this.runner.withPropertyValues("coupon.identity=header")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("coupon.admin.token"));
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token= ")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void whenASecretIsAPublicPlaceholderThenStartupFails() {
		// what docker/compose.yaml used to fall back to, and placeholders of the same
		// kind
		this.runner.withPropertyValues("coupon.jwt.secret=change-me-to-a-secret-of-at-least-32-bytes")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.jwt.secret is a published placeholder"));
		this.runner.withPropertyValues("coupon.jwt.secret=CHANGE_ME_please_to_a_long_random_value_32")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.jwt.secret is a published placeholder"));
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=change-me")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.admin.token is a published placeholder"));
		// refused in jwt mode too: it is still in the environment, one switch of
		// coupon.identity away
		this.runner
			.withPropertyValues("coupon.jwt.secret=a-secret-of-at-least-thirty-two-bytes",
					"coupon.admin.token=changeme")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.admin.token is a published placeholder"));
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
					"coupon.waiting-room.secret=change-me-to-a-secret-of-at-least-32-bytes")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.waiting-room.secret is a published placeholder"));
		// a secret that merely mentions a word is fine
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=9f2c1e7a-exchange-merit-41",
					"coupon.waiting-room.secret=8c1f4b0e9d2a7c3f6e5b1a0d9c8e7f6a")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void whenTrustedProxiesAreSetThenEachMustBeAnAddressOrARange() {
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
					"coupon.edge.trusted-proxies=10.0.0.0/8, 172.31.250.250, fd00::/8")
			.run((context) -> assertThat(context.getBean(CouponProperties.class).edge().trustedProxies()).hasSize(3));
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
					"coupon.edge.trusted-proxies=lb.internal")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("coupon.edge.trusted-proxies"));
		this.runner
			.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret",
					"coupon.edge.trusted-proxies=10.0.0.0/33")
			.run((context) -> assertThat(context).hasFailed());
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret")
			.run((context) -> assertThat(context.getBean(CouponProperties.class).edge().trustedProxies()).isEmpty());
	}

	@Test
	void whenOnlyTheTokenIsSetThenDefaultsApply() {
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret").run((context) -> {
			CouponProperties properties = context.getBean(CouponProperties.class);
			assertThat(properties.plays(CouponProperties.Role.GATEWAY)).isTrue();
			assertThat(properties.plays(CouponProperties.Role.WRITER)).isTrue();
			assertThat(properties.kafka().topic()).isEqualTo("coupon.issued");
		});
	}

	@Test
	void whenRolesAreSetThenOnlyThoseArePlayed() {
		this.runner.withPropertyValues("coupon.identity=header", "coupon.admin.token=secret", "coupon.roles=writer")
			.run((context) -> {
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
