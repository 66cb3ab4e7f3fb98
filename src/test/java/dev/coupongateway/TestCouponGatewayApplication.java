package dev.coupongateway;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * {@code ./mvnw spring-boot:test-run}: the gateway on :8080 over the dev services, with a
 * demo campaign. Annotated so that the Maven plugin picks it among the test sources'
 * other mains (the benchmark tools) without a {@code mainClass} setting, which
 * {@code spring-boot:run} would share; it adds nothing when scanned as a configuration
 * (the same package, the same auto-configuration).
 */
@SpringBootApplication
public class TestCouponGatewayApplication {

	public static void main(String[] args) {
		new SpringApplicationBuilder(CouponGatewayApplication.class, DemoCampaign.class)
			.initializers(new DevServicesInitializer())
			.run(args);
	}

}
