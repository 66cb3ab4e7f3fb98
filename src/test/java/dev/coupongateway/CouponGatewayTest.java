package dev.coupongateway;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * The whole gateway on a random port over the dev services (real Redis, PostgreSQL and
 * Kafka).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(classes = CouponGatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@ContextConfiguration(initializers = DevServicesInitializer.class)
@Import(Fixtures.class)
// test contexts start often: no claim-path warm-up (ClaimPathWarmupTests covers it); the
// suite's PostgreSQL
// holds campaigns of instances on Redis servers of their own: checking them all every 2 s
// would load every
// test in this context, so checks start from claims here (RedisBehindPostgresTests covers
// the periodic one)
@TestPropertySource(properties = { "coupon.issue.warmup-requests=0", "coupon.rebuild.check-interval=1h" })
public @interface CouponGatewayTest {

	/** Extra properties, such as a client pointed at a dead port. */
	@AliasFor(annotation = SpringBootTest.class, attribute = "properties")
	String[] properties() default {};

}
