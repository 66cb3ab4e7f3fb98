package dev.coupongateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The coupon gateway: HTTP claims decided in Redis, delivered through Kafka, stored in
 * PostgreSQL.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CouponGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(CouponGatewayApplication.class, args);
	}

}
