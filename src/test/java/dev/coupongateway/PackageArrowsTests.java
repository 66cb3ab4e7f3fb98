package dev.coupongateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout tells the architecture: {@code system} at the bottom, the {@code event}
 * below the features that send and consume it, features above, each package importing
 * only packages of the layers below its own, and no two packages importing each other.
 */
class PackageArrowsTests {

	private static final String BASE = "dev.coupongateway";

	/**
	 * Every package under {@link #BASE}, from the top of the arrows down; packages of one
	 * layer do not import each other. A new package goes into the layer its imports put
	 * it in (the test below fails until it does).
	 */
	private static final List<List<String>> LAYERS = List.of(List.of("relay", "stock", "writer"), List.of("issue"),
			List.of("buckets", "waiting"), List.of("campaign"), List.of("event"), List.of("system"));

	private static JavaClasses classes;

	@BeforeAll
	static void importMainClasses() {
		classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages(BASE);
	}

	@Test
	void whenPackagesImportEachOtherThenTheArrowsHaveACycle() {
		slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(classes);
	}

	@Test
	void everyPackageHasItsLayer() {
		Set<String> packages = new TreeSet<>();
		for (JavaClass type : classes) {
			String name = type.getPackageName();
			if (name.startsWith(BASE + ".")) {
				packages.add(name.substring(BASE.length() + 1).split("\\.")[0]);
			}
		}
		assertThat(LAYERS.stream().flatMap(List::stream)).as("packages in LAYERS")
			.containsExactlyInAnyOrderElementsOf(packages);
	}

	@TestFactory
	Stream<DynamicTest> eachPackageImportsOnlyTheLayersBelowIt() {
		return LAYERS.stream().flatMap(List::stream).map((name) -> DynamicTest.dynamicTest(name, () -> {
			String[] notBelow = notBelow(name).stream()
				.map((other) -> BASE + "." + other + "..")
				.toArray(String[]::new);
			noClasses().that()
				.resideInAPackage(BASE + "." + name + "..")
				.should()
				.dependOnClassesThat()
				.resideInAnyPackage(notBelow)
				.check(classes);
		}));
	}

	@Test
	void reactorKafkaStaysBehindThePublisherAndTheSource() {
		// the two types and the classes nested in them
		noClasses().that()
			.haveNameNotMatching("dev\\.coupongateway\\.event\\.CouponPublisher(\\$.*)?")
			.and()
			.haveNameNotMatching("dev\\.coupongateway\\.writer\\.CouponIssuedSource(\\$.*)?")
			.and()
			.resideOutsideOfPackage("reactor.kafka..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("reactor.kafka..")
			.check(classes);
	}

	/** The other packages of its own layer and every package of the layers above it. */
	private static List<String> notBelow(String name) {
		List<String> notBelow = new ArrayList<>();
		for (List<String> layer : LAYERS) {
			layer.stream().filter((other) -> !other.equals(name)).forEach(notBelow::add);
			if (layer.contains(name)) {
				return notBelow;
			}
		}
		throw new IllegalArgumentException(name + " is in no layer");
	}

}
