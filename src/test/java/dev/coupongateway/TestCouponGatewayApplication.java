package dev.coupongateway;

import org.springframework.boot.builder.SpringApplicationBuilder;

/** {@code ./mvnw spring-boot:test-run}: the gateway on :8080 over the dev services, with a demo campaign. */
public class TestCouponGatewayApplication {

	public static void main(String[] args) {
		new SpringApplicationBuilder(CouponGatewayApplication.class, DemoCampaign.class)
			.initializers(new DevServicesInitializer())
			.run(args);
	}

}
