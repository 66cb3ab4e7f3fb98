package dev.coupongateway;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts one more gateway instance in this JVM, on the same dev services, as a second
 * node would run.
 */
public final class GatewayInstance {

	private GatewayInstance() {
	}

	/** A running instance on a random port; close it when done. */
	public static ConfigurableApplicationContext start(String... properties) {
		return start(List.of(), properties);
	}

	/**
	 * A running instance on a random port, {@code listeners} hearing its events from the
	 * start (readiness, say); close it when done.
	 */
	public static ConfigurableApplicationContext start(List<ApplicationListener<?>> listeners, String... properties) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.main.banner-mode=off"));
		for (String property : properties) {
			args.add("--" + property);
		}
		if (args.stream().noneMatch((arg) -> arg.startsWith("--coupon.issue.warmup-requests="))) {
			// instances start often in tests: no claim-path warm-up unless a test asks
			// for one
			args.add("--coupon.issue.warmup-requests=0");
		}
		if (args.stream().noneMatch((arg) -> arg.startsWith("--coupon.rebuild.check-interval="))) {
			// an instance on a Redis of its own would check every campaign the shared
			// PostgreSQL holds (and
			// write them all into its Redis): claims start the checks these tests need,
			// unless one asks
			args.add("--coupon.rebuild.check-interval=1h");
		}
		return new SpringApplicationBuilder(CouponGatewayApplication.class).initializers(new DevServicesInitializer())
			.listeners(listeners.toArray(ApplicationListener[]::new))
			.run(args.toArray(String[]::new));
	}

}
