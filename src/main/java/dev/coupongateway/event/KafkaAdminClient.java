package dev.coupongateway.event;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The one Kafka admin client of an instance, shared by topic creation, the health check
 * and the lag reader; closed without waiting forever for a broker that is away.
 */
@Component
class KafkaAdminClient implements DisposableBean {

	final Admin admin;

	KafkaAdminClient(KafkaClients clients) {
		this.admin = Admin.create(clients.admin(
				Map.of(AdminClientConfig.CLIENT_ID_CONFIG, "coupon-admin", AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
						5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)));
	}

	@Override
	public void destroy() {
		this.admin.close(Duration.ofSeconds(5));
	}

}
