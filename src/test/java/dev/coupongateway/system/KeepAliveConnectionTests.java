package dev.coupongateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keep-alive connections on which a request is answered without any I/O (a 401 from the
 * security chain, a 400 from the firewall or the handler, a "sold out" from memory) right
 * behind one that was still in flight: the connection goes on being read. The stall of
 * reactor/reactor-netty#4361 (fixed in reactor-netty 1.3.8): the queued request, answered
 * synchronously, left the connection unread, so the client's next request on it was never
 * answered. Each case pipelines a claim that goes to Redis and Kafka with an answer made
 * from memory, reads both answers, then sends one more request on the same connection and
 * waits for its answer; the last case does it on several connections at once.
 */
@CouponGatewayTest
class KeepAliveConnectionTests {

	private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	private String open;

	private String soldOut;

	@BeforeEach
	void campaigns() throws Exception {
		this.open = this.fixtures.campaign(10_000);
		this.soldOut = this.fixtures.campaign(1);
		// the second claim learns the campaign is sold out; from then on it is answered
		// from memory
		try (Socket socket = connect()) {
			assertThat(exchange(socket, claim(this.soldOut, "first"), 1)).containsExactly(201);
			assertThat(exchange(socket, claim(this.soldOut, "second"), 1)).containsExactly(410);
		}
	}

	@Test
	void whenA401FollowsAGrantThenTheNextRequestIsAnswered() throws Exception {
		assertStaysRead(claim(this.open, "a-1") + unauthenticatedClaim(this.open), List.of(201, 401), "a-2");
	}

	@Test
	void whenAFirewall400FollowsAGrantThenTheNextRequestIsAnswered() throws Exception {
		assertStaysRead(claim(this.open, "b-1") + "GET /api//campaigns HTTP/1.1\r\nHost: localhost\r\n\r\n",
				List.of(201, 400), "b-2");
	}

	@Test
	void whenAnInvalidIdFollowsAGrantThenTheNextRequestIsAnswered() throws Exception {
		assertStaysRead(claim(this.open, "c-1") + claim("Not_An_Id", "c-x"), List.of(201, 400), "c-2");
	}

	@Test
	void whenASoldOutFromMemoryFollowsAGrantThenTheNextRequestIsAnswered() throws Exception {
		assertStaysRead(claim(this.open, "d-1") + claim(this.soldOut, "d-x"), List.of(201, 410), "d-2");
	}

	@Test
	void whenManyConnectionsDoItAtOnceThenEveryOneIsStillRead() throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(16);
		try {
			List<Future<List<Integer>>> connections = new ArrayList<>();
			for (int i = 0; i < 32; i++) {
				String user = "e-" + i;
				Callable<List<Integer>> connection = () -> {
					try (Socket socket = connect()) {
						List<Integer> answers = new ArrayList<>(exchange(socket,
								claim(this.open, user) + unauthenticatedClaim(this.open) + claim(this.soldOut, user),
								3));
						answers.addAll(exchange(socket, claim(this.open, user + "-next"), 1));
						return answers;
					}
				};
				connections.add(clients.submit(connection));
			}
			for (Future<List<Integer>> connection : connections) {
				assertThat(connection.get()).containsExactly(201, 401, 410, 201);
			}
		}
		finally {
			clients.shutdownNow();
		}
	}

	private void assertStaysRead(String pipelined, List<Integer> expected, String nextUser) throws IOException {
		try (Socket socket = connect()) {
			assertThat(exchange(socket, pipelined, expected.size())).containsExactlyElementsOf(expected);
			assertThat(exchange(socket, claim(this.open, nextUser), 1)).as("the next request on the connection")
				.containsExactly(201);
		}
	}

	private Socket connect() throws IOException {
		Socket socket = new Socket("127.0.0.1", this.port);
		socket.setSoTimeout(5_000);
		return socket;
	}

	private static String claim(String campaign, String user) {
		return "POST /api/campaigns/" + campaign + "/coupons HTTP/1.1\r\nHost: localhost\r\nX-User-Id: " + user
				+ "\r\nContent-Length: 0\r\n\r\n";
	}

	private static String unauthenticatedClaim(String campaign) {
		return "POST /api/campaigns/" + campaign + "/coupons HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";
	}

	/**
	 * Writes the requests at once and reads until that many answers came, or the
	 * connection went quiet.
	 */
	private static List<Integer> exchange(Socket socket, String requests, int answers) throws IOException {
		socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
		socket.getOutputStream().flush();
		InputStream in = socket.getInputStream();
		StringBuilder read = new StringBuilder();
		List<Integer> statuses = new ArrayList<>();
		byte[] buffer = new byte[8192];
		try {
			while (statuses.size() < answers) {
				int n = in.read(buffer);
				if (n < 0) {
					break;
				}
				read.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
				statuses.clear();
				Matcher matcher = STATUS.matcher(read);
				while (matcher.find()) {
					statuses.add(Integer.parseInt(matcher.group(1)));
				}
			}
		}
		catch (SocketTimeoutException ex) {
			// what came so far is the answer: the connection stopped being read
		}
		return statuses;
	}

}
