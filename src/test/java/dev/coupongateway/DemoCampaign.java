package dev.coupongateway;

import dev.coupongateway.campaign.CampaignService;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Seeds the campaign {@code demo} (100 coupons, one per user) for
 * {@code spring-boot:test-run}.
 */
@TestConfiguration(proxyBeanMethods = false)
class DemoCampaign {

	private static final Log logger = LogFactory.getLog(DemoCampaign.class);

	@Bean
	ApplicationRunner seedDemoCampaign(CampaignService campaigns) {
		return (ApplicationArguments args) -> campaigns.find("demo")
			.onErrorResume((ex) -> campaigns.create(Fixtures.newCampaign("demo", "Demo flash sale", 100, 1)))
			.doOnNext((campaign) -> logger.info("Demo campaign ready: curl -X POST -H 'X-User-Id: alice' "
					+ "http://localhost:8080/api/campaigns/demo/coupons"))
			.then(Mono.empty())
			.subscribe();
	}

}
