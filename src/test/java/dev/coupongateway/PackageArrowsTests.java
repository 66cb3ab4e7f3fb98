package dev.coupongateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layout tells the architecture: {@code system} at the bottom, the {@code event} below the features
 * that send and consume it, features above ({@code buckets} between {@code campaign} and the claim path),
 * and no two packages importing each other.
 */
class PackageArrowsTests {

	private static JavaClasses classes;

	@BeforeAll
	static void importMainClasses() {
		classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
			.importPackages("dev.coupongateway");
	}

	@Test
	void whenPackagesImportEachOtherThenTheArrowsHaveACycle() {
		slices().matching("dev.coupongateway.(*)..").should().beFreeOfCycles().check(classes);
	}

	@Test
	void systemIsAtTheBottom() {
		noClasses().that()
			.resideInAPackage("..system..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..campaign..", "..buckets..", "..issue..", "..relay..", "..stock..", "..writer..",
					"..event..")
			.check(classes);
	}

	@Test
	void theEventKnowsNoFeature() {
		noClasses().that()
			.resideInAPackage("..event..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..campaign..", "..buckets..", "..issue..", "..relay..", "..stock..", "..writer..")
			.check(classes);
	}

	@Test
	void bucketsSitAboveTheCampaignAndBelowTheClaimPath() {
		// the rebuild reaches the buckets only through campaign.BucketsWriter, which buckets implements
		noClasses().that()
			.resideInAPackage("..campaign..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..buckets..", "..issue..")
			.check(classes);
		noClasses().that()
			.resideInAPackage("..buckets..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("..issue..", "..relay..", "..stock..", "..writer..", "..waiting..")
			.check(classes);
	}

	@Test
	void reactorKafkaStaysBehindThePublisherAndTheSource() {
		noClasses().that()
			.doNotHaveFullyQualifiedName("dev.coupongateway.event.CouponPublisher")
			.and()
			.doNotHaveFullyQualifiedName("dev.coupongateway.writer.CouponIssuedSource")
			.and()
			.resideOutsideOfPackage("reactor.kafka..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("reactor.kafka..")
			.check(classes);
	}

}
