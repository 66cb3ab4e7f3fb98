package dev.coupongateway.drills;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drill 7: the many-instances shape. A Redis Cluster (three masters with a replica each),
 * two gateway JVMs and two writer JVMs on one topic of six partitions; hot campaigns
 * split into three buckets, one per shard. Three faults in turn, each mid-spike with
 * claims spread over both gateways: the master of one bucket SIGKILLed (its replica takes
 * over, the campaign is rewritten from PostgreSQL), a writer SIGKILLed (the other takes
 * its partitions), a gateway SIGKILLed (the other takes its claims and its outboxes).
 * After each, the promises are checked as in every drill, the reconciliation sums the
 * buckets, and both gateways' stock streams show the same numbers.
 */
class ClusterDrill {

	private static final int STOCK = 1_000;

	private static final int BUCKETS = 3;

	@Test
	void manyInstancesOnACluster() throws Exception {
		try (DrillStack stack = new DrillStack("ClusterDrill", Drill.FAULT_SETTINGS, true)) {
			stack.startServers();
			GatewayProcess writer1 = stack.instance("writer-1", "writer");
			GatewayProcess writer2 = stack.instance("writer-2", "writer");
			GatewayProcess a = stack.instance("gateway-a", "gateway");
			GatewayProcess b = stack.instance("gateway-b", "gateway");
			stack.start(writer1, writer2, a, b);

			String onShards = hotCampaign(stack, "cluster-master");
			int master = stack.cluster.masterOf(CampaignKeys.of(onShards, 1).settings());
			spike(stack, onShards, 8, () -> {
				stack.cluster.kill(master);
				return master;
			}, "master of bucket 1 (node " + master + ") SIGKILLed mid-spike; its replica took over");
			stack.cluster.restart(master);
			stack.cluster.awaitHealthy();

			String writerKilled = hotCampaign(stack, "cluster-writer");
			spike(stack, writerKilled, 10, () -> {
				writer1.kill();
				return 0;
			}, "writer-1 SIGKILLed mid-spike; writer-2 took its partitions");

			// last, so no replacement gateway has to start for the rows after it
			String gatewayKilled = hotCampaign(stack, "cluster-gateway");
			spike(stack, gatewayKilled, 9, () -> {
				a.kill();
				return 0;
			}, "gateway-a SIGKILLed mid-spike; its claims retried at gateway-b");
		}
	}

	/** A campaign of three buckets on three different masters. */
	private static String hotCampaign(DrillStack stack, String prefix) {
		return stack.createCampaign(stack.cluster.idOnDistinctMasters(prefix, BUCKETS), STOCK, 1, BUCKETS);
	}

	/**
	 * 2,000 users (and repeats) over both gateways; the fault once 300 are granted; then
	 * the verdict.
	 */
	private static void spike(DrillStack stack, String campaign, long seed, IntSupplier fault, String notes)
			throws Exception {
		Drill.spike(stack, campaign, STOCK, 48, (load) -> {
			LoadDriver.Run run = load.fire(Drills.users(campaign, 2_000, 200, seed), stack.gatewayUris(),
					stack::gatewayUris);
			await("grants before the fault").atMost(Duration.ofSeconds(120))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> load.granted() >= 300);
			int grantedAtFault = load.granted();
			fault.getAsInt();
			Drills.log(campaign + ": " + notes + " (" + grantedAtFault + " granted before)");
			run.await(Duration.ofMinutes(4));
			return Drill.Outcome
				.notes(notes + " at " + grantedAtFault + " granted; " + BUCKETS + " buckets on 3 shards")
				.then((verdict) -> assertThat(streams(stack, campaign)).as("first stock event of each gateway's stream")
					.hasSize(1));
		});
	}

	/**
	 * The {@code data:} of the first event of the stock stream at every running gateway,
	 * as a set.
	 */
	private static Set<String> streams(DrillStack stack, String campaign) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
		List<String> firsts = new ArrayList<>();
		for (URI gateway : stack.gatewayUris()) {
			HttpResponse<InputStream> response = http
				.send(HttpRequest.newBuilder(gateway.resolve(Paths.of(Paths.STOCK_STREAM, campaign)))
					.timeout(Duration.ofSeconds(10))
					.GET()
					.build(), HttpResponse.BodyHandlers.ofInputStream());
			// a finished campaign's stream: its final event, then the end (204 when
			// already closed)
			if (response.statusCode() == 204) {
				firsts.add("finished");
				continue;
			}
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = lines.readLine()) != null) {
					if (line.startsWith("data:")) {
						firsts.add(line);
						break;
					}
				}
			}
		}
		Drills.log(campaign + ": stock streams of " + stack.gatewayUris().size() + " gateways: " + firsts);
		return new HashSet<>(firsts);
	}

}
