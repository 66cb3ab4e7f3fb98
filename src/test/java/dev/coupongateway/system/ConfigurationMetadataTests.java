package dev.coupongateway.system;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The build writes configuration metadata for every {@code coupon.*} setting (an IDE
 * completes them and shows what each does): every setting has its description, and every
 * {@code coupon.*} key the packaged {@code application.yaml} sets is a known one.
 */
class ConfigurationMetadataTests {

	@Test
	void everyCouponSettingIsDescribed() throws Exception {
		List<JsonNode> settings = couponSettings();

		assertThat(settings).hasSizeGreaterThan(50);
		assertThat(settings)
			.filteredOn(
					(setting) -> !setting.hasNonNull("description") || setting.get("description").asString().isBlank())
			.extracting((setting) -> setting.get("name").asString())
			.isEmpty();
		assertThat(names(settings)).contains("coupon.identity", "coupon.kafka.topic", "coupon.issue.ack",
				"coupon.rebuild.check-interval", "coupon.waiting-room.secret-refresh");
	}

	@Test
	void everyCouponKeyOfTheApplicationYamlIsAKnownSetting() throws Exception {
		Set<String> known = names(couponSettings());
		List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("application.yaml",
				new ClassPathResource("application.yaml"));
		Set<String> keys = new TreeSet<>();
		for (PropertySource<?> source : yaml) {
			((Map<?, ?>) source.getSource()).keySet()
				.stream()
				.map(String::valueOf)
				.filter((key) -> key.startsWith("coupon."))
				.map((key) -> key.replaceAll("\\[\\d+]$", ""))
				.forEach(keys::add);
		}

		assertThat(keys).isNotEmpty();
		assertThat(keys).allSatisfy((key) -> assertThat(known).as("settings described").contains(key));
	}

	private static List<JsonNode> couponSettings() throws Exception {
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			JsonNode metadata = JsonMapper.builder().build().readTree(in);
			List<JsonNode> settings = new ArrayList<>();
			metadata.get("properties").forEach((property) -> {
				if (property.get("name").asString().startsWith("coupon.")) {
					settings.add(property);
				}
			});
			return settings;
		}
	}

	private static Set<String> names(List<JsonNode> settings) {
		return settings.stream().map((setting) -> setting.get("name").asString()).collect(Collectors.toSet());
	}

}
