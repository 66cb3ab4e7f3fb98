package dev.coupongateway.stock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.system.Paths;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that stops reading really stalls its connection: small socket buffers on both
 * ends and a fast feed mean the frames no longer fit, and the server's write to it
 * blocks. Its subscription then skips values (at most one waits), while another client
 * gets every value to the end, undisturbed.
 */
@CouponGatewayTest(
		properties = { "coupon.stream.max-rate=200", "coupon.stream.poll=5ms", "coupon.stream.heartbeat=20ms" })
@Import(StockStreamStallTests.SmallSendBuffers.class)
class StockStreamStallTests {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
	};

	private static final Pattern EVENT = Pattern.compile("^event:(.+)$", Pattern.MULTILINE);

	private static final Pattern ID = Pattern.compile("^id:(.+)$", Pattern.MULTILINE);

	// enough frames (about 150 bytes each) to overflow the stalled connection many times
	// over: with 1,500, the
	// 10-20 KB that loopback buffers hold could take every frame of a fast run, and
	// nothing was skipped
	private static final int STOCK = 5_000;

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenOneClientStopsReadingThenItSkipsValuesAndTheOtherGetsEveryChangeToTheEnd() throws Exception {
		String campaign = this.fixtures.campaign(STOCK);
		try (Socket stalled = new Socket()) {
			// a reader that never reads: its window closes after a few kilobytes
			stalled.setReceiveBufferSize(1024);
			stalled.connect(new InetSocketAddress("127.0.0.1", this.port));
			stalled.getOutputStream()
				.write(("GET /api/campaigns/" + campaign + "/stock/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
						+ "Accept: text/event-stream\r\nConnection: close\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
			List<ServerSentEvent<String>> healthy = new CopyOnWriteArrayList<>();
			Disposable subscription = WebClient.create("http://127.0.0.1:" + this.port)
				.get()
				.uri(Paths.STOCK_STREAM, campaign)
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(SSE)
				.subscribe(healthy::add);
			await().atMost(Duration.ofSeconds(10)).until(() -> !healthy.isEmpty());

			new Claims(this.port).concurrently(
					IntStream.range(0, STOCK).mapToObj((i) -> new Claim(campaign, "stall-" + i)).toList(), 32);
			await().atMost(Duration.ofSeconds(30)).until(subscription::isDisposed);

			List<ServerSentEvent<String>> healthyNamed = healthy.stream().filter((e) -> e.event() != null).toList();
			assertThat(healthyNamed.get(healthyNamed.size() - 1).event()).isEqualTo("sold-out");
			assertThat(healthyNamed.get(healthyNamed.size() - 1).id()).isEqualTo(Integer.toString(STOCK));

			stalled.setSoTimeout(30_000);
			String stalledBody = readToEnd(stalled.getInputStream());
			List<String> stalledEvents = all(EVENT, stalledBody);
			List<String> stalledIds = all(ID, stalledBody);
			// it still learns the final state, but values went by while it was not
			// reading
			assertThat(stalledEvents).isNotEmpty().last().isEqualTo("sold-out");
			assertThat(stalledIds).last().isEqualTo(Integer.toString(STOCK));
			assertThat(stalledEvents).as("values the stalled client skipped").hasSizeLessThan(healthyNamed.size());
			assertThat(healthyNamed.size()).as("enough data to fill the stalled connection's buffers")
				.isGreaterThan(150);
		}
	}

	private static String readToEnd(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toString(StandardCharsets.UTF_8);
	}

	private static List<String> all(Pattern pattern, String text) {
		Matcher matcher = pattern.matcher(text);
		List<String> found = new ArrayList<>();
		while (matcher.find()) {
			found.add(matcher.group(1).trim());
		}
		return found;
	}

	/**
	 * Server connections with a small, fixed socket send buffer and a small outbound
	 * queue, so a reader that stops reading makes the server's writes to it wait within a
	 * few kilobytes.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class SmallSendBuffers {

		@Bean
		NettyServerCustomizer smallSendBuffers() {
			return (server) -> server.childOption(ChannelOption.SO_SNDBUF, 4096)
				.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1024, 4096));
		}

	}

}
