package dev.coupongateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** Flyway's JDBC settings follow the R2DBC ones unless set on their own. */
class FlywayUrlFromR2dbcTests {

	@Test
	void whenFlywaySettingsAreAbsentThenTheyAreDerivedFromR2dbc() {
		MockEnvironment environment = new MockEnvironment();
		new FlywayUrlFromR2dbc().postProcessEnvironment(environment, new SpringApplication());
		environment.setProperty("spring.r2dbc.url", "r2dbc:postgresql://db:5432/coupons?sslmode=require");
		environment.setProperty("spring.r2dbc.username", "app");
		environment.setProperty("spring.r2dbc.password", "s3cret");
		assertThat(environment.getProperty("spring.flyway.url"))
			.isEqualTo("jdbc:postgresql://db:5432/coupons?sslmode=require");
		assertThat(environment.getProperty("spring.flyway.user")).isEqualTo("app");
		assertThat(environment.getProperty("spring.flyway.password")).isEqualTo("s3cret");
	}

	@Test
	void whenFlywayUrlIsSetThenItWins() {
		MockEnvironment environment = new MockEnvironment();
		environment.setProperty("spring.flyway.url", "jdbc:postgresql://admin-host/coupons");
		new FlywayUrlFromR2dbc().postProcessEnvironment(environment, new SpringApplication());
		environment.setProperty("spring.r2dbc.url", "r2dbc:pool:postgresql://db/coupons");
		assertThat(environment.getProperty("spring.flyway.url")).isEqualTo("jdbc:postgresql://admin-host/coupons");
	}

	@Test
	void whenR2dbcUrlUsesThePoolDriverThenTheJdbcUrlDropsIt() {
		assertThat(FlywayUrlFromR2dbc.jdbcUrl("r2dbc:pool:postgresql://db/coupons"))
			.isEqualTo("jdbc:postgresql://db/coupons");
	}

}
