package dev.coupongateway.system;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Derives {@code spring.flyway.url}, {@code .user} and {@code .password} from the R2DBC
 * settings when they are absent, so a deployment names its database once. The values are
 * looked up lazily, so settings added later (tests, dev services) are followed too.
 */
class FlywayUrlFromR2dbc implements EnvironmentPostProcessor {

	private static final Map<String, String> DERIVED = Map.of("spring.flyway.url", "spring.r2dbc.url",
			"spring.flyway.user", "spring.r2dbc.username", "spring.flyway.password", "spring.r2dbc.password");

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		environment.getPropertySources().addLast(new Derived(environment));
	}

	static String jdbcUrl(String r2dbcUrl) {
		return r2dbcUrl.replaceFirst("^r2dbc:(pool:)?", "jdbc:");
	}

	// The environment is kept in a field, not as the source: Boot flattens property
	// sources whose source
	// is an environment, which would recurse into this one.
	private static final class Derived extends PropertySource<Object> {

		private final ConfigurableEnvironment environment;

		Derived(ConfigurableEnvironment environment) {
			super("couponFlywayFromR2dbc", new Object());
			this.environment = environment;
		}

		@Override
		public Object getProperty(String name) {
			String source = DERIVED.get(name);
			if (source == null) {
				return null;
			}
			String value = this.environment.getProperty(source);
			if (value == null) {
				return null;
			}
			return name.equals("spring.flyway.url") ? jdbcUrl(value) : value;
		}

	}

}
