package dev.coupongateway.event;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.coupongateway.system.CouponProperties;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/** Creates the grants topic and its DLT at startup when they are missing. */
@Component
class Topics implements InitializingBean {

	private static final Log logger = LogFactory.getLog(Topics.class);

	private final Admin admin;

	private final CouponProperties.Kafka kafka;

	Topics(KafkaAdminClient client, CouponProperties properties) {
		this.admin = client.admin;
		this.kafka = properties.kafka();
	}

	/**
	 * Runs once on the startup thread, before any claim is taken; never on an event loop.
	 */
	@Override
	public void afterPropertiesSet() throws InterruptedException {
		List<NewTopic> topics = List.of(
				new NewTopic(this.kafka.topic(), this.kafka.partitions(), this.kafka.replicationFactor()),
				new NewTopic(this.kafka.topic() + ".DLT", this.kafka.partitions(), this.kafka.replicationFactor()));
		for (NewTopic topic : topics) {
			try {
				this.admin.createTopics(List.of(topic))
					.all()
					.get(this.kafka.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
				logger.info("Created topic " + topic.name() + " with " + topic.numPartitions() + " partitions");
			}
			catch (ExecutionException ex) {
				if (!(ex.getCause() instanceof TopicExistsException)) {
					logger.warn("Could not create topic " + topic.name() + ": " + ex.getCause());
				}
			}
			catch (TimeoutException ex) {
				logger.warn("Kafka did not answer within " + this.kafka.startupTimeout() + " to create topic "
						+ topic.name() + "; continuing, the producer retries");
			}
		}
	}

}
