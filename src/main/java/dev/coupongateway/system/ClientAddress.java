package dev.coupongateway.system;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.netty.util.NetUtil;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.core.env.Environment;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;

/**
 * The client's address, for the per-address rate limit: the connection's peer; when that
 * peer is one of {@code coupon.edge.trusted-proxies}, the right-most hop its
 * {@code X-Forwarded-For} (or, without one, {@code Forwarded}) names that is not itself a
 * trusted proxy. Independent of {@code server.forward-headers-strategy}: Reactor Netty's
 * {@code native} handling believes any client (and reads {@code Forwarded}, which a proxy
 * that only sets {@code X-Forwarded-For} passes on), so the peer is read from the
 * connection itself. Only IP literals are read from headers, never names (no DNS).
 */
@Component
public class ClientAddress {

	static final String X_FORWARDED_FOR = "X-Forwarded-For";

	static final String FORWARDED = "Forwarded";

	private static final Log logger = LogFactory.getLog(ClientAddress.class);

	private final List<Range> trusted;

	public ClientAddress(CouponProperties properties, Environment environment) {
		this.trusted = properties.edge().trustedProxies().stream().map(Range::parse).toList();
		String strategy = environment.getProperty("server.forward-headers-strategy", "none");
		if (!this.trusted.isEmpty() && !strategy.equalsIgnoreCase("none")) {
			// framework removes the headers before they get here: every client would
			// count as the proxy
			logger.warn("server.forward-headers-strategy=" + strategy + " is not used for client addresses and may "
					+ "hide the proxies' headers from coupon.edge.trusted-proxies: leave it unset");
		}
	}

	/**
	 * The address to count the request against, as text ({@code "unknown"} without a
	 * peer).
	 */
	public String of(ServerHttpRequest request) {
		InetAddress peer = peer(request);
		if (peer == null) {
			return "unknown";
		}
		if (!isTrusted(peer)) {
			return peer.getHostAddress();
		}
		List<String> hops = hops(request);
		// from the nearest hop outwards: every trusted proxy is skipped, the first other
		// hop is the client;
		// a hop that is no IP address ends the walk at the last address known to be real
		InetAddress client = peer;
		for (int i = hops.size() - 1; i >= 0; i--) {
			InetAddress hop = literal(hops.get(i));
			if (hop == null) {
				break;
			}
			client = hop;
			if (!isTrusted(hop)) {
				break;
			}
		}
		return client.getHostAddress();
	}

	private boolean isTrusted(InetAddress address) {
		for (Range range : this.trusted) {
			if (range.contains(address)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The TCP peer, before any forwarded-header processing Reactor Netty or Spring may
	 * have done.
	 */
	private static InetAddress peer(ServerHttpRequest request) {
		SocketAddress peer = null;
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		if (nativeRequest instanceof HttpServerRequest netty) {
			peer = netty.connectionRemoteAddress();
		}
		if (peer == null) {
			peer = request.getRemoteAddress();
		}
		return (peer instanceof InetSocketAddress socket) ? socket.getAddress() : null;
	}

	/**
	 * The hops named, nearest last: {@code X-Forwarded-For} when present, else
	 * {@code Forwarded}'s {@code for}.
	 */
	static List<String> hops(ServerHttpRequest request) {
		List<String> hops = new ArrayList<>();
		List<String> xForwardedFor = request.getHeaders().get(X_FORWARDED_FOR);
		if (xForwardedFor != null && !xForwardedFor.isEmpty()) {
			for (String line : xForwardedFor) {
				for (String hop : line.split(",")) {
					hops.add(hop.trim());
				}
			}
			return hops;
		}
		List<String> forwarded = request.getHeaders().get(FORWARDED);
		if (forwarded != null) {
			for (String line : forwarded) {
				for (String element : line.split(",")) {
					hops.add(forValue(element));
				}
			}
		}
		return hops;
	}

	/**
	 * RFC 7239: the {@code for} parameter of one element, quotes removed; empty when it
	 * has none.
	 */
	private static String forValue(String element) {
		for (String pair : element.split(";")) {
			int equals = pair.indexOf('=');
			if (equals > 0 && pair.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("for")) {
				String value = pair.substring(equals + 1).trim();
				if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
					value = value.substring(1, value.length() - 1);
				}
				return value;
			}
		}
		return "";
	}

	/**
	 * An IP literal with or without a port ({@code 192.0.2.1}, {@code 192.0.2.1:80},
	 * {@code 2001:db8::1}, {@code [2001:db8::1]:80}); {@code null} for anything else
	 * ({@code unknown}, {@code _hidden}, names).
	 */
	static InetAddress literal(String hop) {
		String text = hop;
		if (text.startsWith("[")) {
			int close = text.indexOf(']');
			if (close < 0) {
				return null;
			}
			text = text.substring(1, close);
		}
		else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') > 0) {
			// one colon: IPv4 with a port
			text = text.substring(0, text.indexOf(':'));
		}
		byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
		if (bytes == null) {
			return null;
		}
		try {
			return InetAddress.getByAddress(bytes);
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

	/**
	 * A trusted range: an address ({@code 172.31.250.250}, {@code ::1}) or a CIDR block
	 * ({@code 10.0.0.0/8}).
	 */
	record Range(byte[] network, int prefix) {

		/**
		 * Refuses anything that is not an IP literal with an optional prefix length that
		 * fits it.
		 */
		static Range parse(String text) {
			String trimmed = text.trim();
			int slash = trimmed.indexOf('/');
			String address = (slash < 0) ? trimmed : trimmed.substring(0, slash);
			byte[] network = NetUtil.createByteArrayFromIpAddressString(address);
			if (network == null) {
				throw new IllegalArgumentException("coupon.edge.trusted-proxies: '" + text
						+ "' is not an IP address or CIDR block (names are not resolved)");
			}
			int written = network.length * 8;
			int prefix = written;
			if (slash >= 0) {
				try {
					prefix = Integer.parseInt(trimmed.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefix = -1;
				}
			}
			try {
				// an IPv4-mapped IPv6 literal is the IPv4 address, as the JDK reports
				// peers
				network = InetAddress.getByAddress(network).getAddress();
			}
			catch (UnknownHostException ex) {
				throw new IllegalArgumentException("coupon.edge.trusted-proxies: '" + text + "'", ex);
			}
			prefix -= written - network.length * 8;
			if (prefix < 0 || prefix > network.length * 8) {
				throw new IllegalArgumentException(
						"coupon.edge.trusted-proxies: '" + text + "' has a prefix length that does not fit");
			}
			return new Range(network, prefix);
		}

		boolean contains(InetAddress address) {
			byte[] bytes = address.getAddress();
			if (bytes.length != this.network.length) {
				return false;
			}
			int whole = this.prefix / 8;
			for (int i = 0; i < whole; i++) {
				if (bytes[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (bytes[whole] & mask) == (this.network[whole] & mask);
		}

	}

}
