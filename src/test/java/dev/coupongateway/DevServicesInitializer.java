package dev.coupongateway;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

/**
 * Points an application context at the {@link DevServices}, ahead of
 * {@code application.yaml} but behind a test's own inlined properties and an instance's
 * command-line arguments (so a test can point one client at a dead port, or an instance
 * at a Redis of its own).
 */
public class DevServicesInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	private static final String INLINED = "Inlined Test Properties";

	private static final String COMMAND_LINE = "commandLineArgs";

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		MutablePropertySources sources = context.getEnvironment().getPropertySources();
		MapPropertySource devServices = new MapPropertySource("devServices", DevServices.properties());
		if (sources.contains(INLINED)) {
			sources.addAfter(INLINED, devServices);
		}
		else if (sources.contains(COMMAND_LINE)) {
			sources.addAfter(COMMAND_LINE, devServices);
		}
		else {
			sources.addFirst(devServices);
		}
	}

}
