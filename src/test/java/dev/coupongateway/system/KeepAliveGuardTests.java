package dev.coupongateway.system;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests queued on one keep-alive connection are all answered, in order, however each one is answered:
 * a grant (Redis, Kafka), answers made without any I/O (a 401, a 400), another grant. This pipelined
 * order did not reproduce reactor/reactor-netty#4361 here without {@link KeepAliveGuard} (the stall needs
 * a request that arrives while the previous one's operations are still terminating, a matter of timing);
 * it guards that the deferral keeps queued requests answered and in order.
 */
@CouponGatewayTest
class KeepAliveGuardTests {

	private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenRequestsQueueOnOneConnectionThenEveryOneIsAnswered() throws Exception {
		String campaign = this.fixtures.campaign(10);
		String claim = "POST /api/campaigns/" + campaign + "/coupons HTTP/1.1\r\nHost: localhost\r\n";
		String requests = claim + "X-User-Id: keep-1\r\nContent-Length: 0\r\n\r\n"
				+ claim + "Content-Length: 0\r\n\r\n"
				+ "POST /api/campaigns/Not_An_Id/coupons HTTP/1.1\r\nHost: localhost\r\nX-User-Id: keep-2\r\nContent-Length: 0\r\n\r\n"
				+ claim + "X-User-Id: keep-3\r\nContent-Length: 0\r\n\r\n";
		StringBuilder statuses = new StringBuilder();
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(5_000);
			OutputStream out = socket.getOutputStream();
			out.write(requests.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			StringBuilder answers = new StringBuilder();
			byte[] buffer = new byte[8192];
			try {
				while (count(answers) < 4) {
					int read = in.read(buffer);
					if (read < 0) {
						break;
					}
					answers.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
				}
			}
			catch (SocketTimeoutException ex) {
				// what came so far is the answer: the connection stopped being read
			}
			Matcher matcher = STATUS.matcher(answers);
			while (matcher.find()) {
				statuses.append(matcher.group(1)).append(' ');
			}
		}
		assertThat(statuses.toString().trim()).isEqualTo("201 401 400 201");
	}

	private static int count(CharSequence answers) {
		Matcher matcher = STATUS.matcher(answers);
		int found = 0;
		while (matcher.find()) {
			found++;
		}
		return found;
	}

}
