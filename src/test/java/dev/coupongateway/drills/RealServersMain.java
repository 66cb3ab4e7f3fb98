package dev.coupongateway.drills;

import java.util.List;

/**
 * The packaged jar on real server processes, for load tools: PostgreSQL, Redis and a
 * Kafka broker as the drills start them, and one gateway+writer JVM ({@code header}
 * identity, admin token {@code drill-token}) on a free port it prints. Runs until killed;
 * {@code bench/real-servers.sh} starts it.
 */
public final class RealServersMain {

	private RealServersMain() {
	}

	public static void main(String[] args) throws Exception {
		DrillStack stack = new DrillStack("RealServers", List.of());
		Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
		stack.startServers();
		GatewayProcess gateway = stack.instance("gateway-writer", "gateway,writer")
			.jvm(List.of("-Xms512m", "-Xmx512m"));
		stack.start(gateway);
		Drills.log("Packaged gateway on real servers: " + gateway.baseUri() + " (admin token " + Drills.ADMIN_TOKEN
				+ "); stop with Ctrl-C");
		Thread.currentThread().join();
	}

}
