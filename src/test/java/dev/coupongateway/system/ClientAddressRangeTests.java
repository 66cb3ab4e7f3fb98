package dev.coupongateway.system;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The pieces of {@link ClientAddress} that HTTP tests reach only in part: which addresses
 * a trusted range holds, and which hops read as addresses (IP literals only; a name is
 * never looked up).
 */
class ClientAddressRangeTests {

	@Test
	void whenARangeIsACidrBlockThenItHoldsExactlyItsAddresses() throws Exception {
		ClientAddress.Range lowerHalf = ClientAddress.Range.parse("172.31.250.0/25");
		assertThat(lowerHalf.contains(InetAddress.getByName("172.31.250.127"))).isTrue();
		assertThat(lowerHalf.contains(InetAddress.getByName("172.31.250.128"))).isFalse();
		assertThat(lowerHalf.contains(InetAddress.getByName("172.31.251.1"))).isFalse();
		ClientAddress.Range one = ClientAddress.Range.parse(" 172.31.250.250 ");
		assertThat(one.contains(InetAddress.getByName("172.31.250.250"))).isTrue();
		assertThat(one.contains(InetAddress.getByName("172.31.250.251"))).isFalse();
		assertThat(ClientAddress.Range.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9"))).isTrue();
		ClientAddress.Range ula = ClientAddress.Range.parse("fd00::/8");
		assertThat(ula.contains(InetAddress.getByName("fd12:3456::1"))).isTrue();
		assertThat(ula.contains(InetAddress.getByName("fe80::1"))).isFalse();
		assertThat(ula.contains(InetAddress.getByName("10.0.0.1"))).as("another family").isFalse();
		// an IPv4-mapped IPv6 range is the IPv4 range, as the JDK reports such peers
		assertThat(ClientAddress.Range.parse("::ffff:10.0.0.0/104").contains(InetAddress.getByName("10.1.2.3")))
			.isTrue();
	}

	@Test
	void whenARangeIsNoAddressOrItsPrefixDoesNotFitThenItIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> ClientAddress.Range.parse("lb"));
		assertThatIllegalArgumentException().isThrownBy(() -> ClientAddress.Range.parse("10.0.0.0/33"));
		assertThatIllegalArgumentException().isThrownBy(() -> ClientAddress.Range.parse("10.0.0.0/x"));
		assertThatIllegalArgumentException().isThrownBy(() -> ClientAddress.Range.parse("::1/129"));
	}

	@Test
	void whenAHopIsAnIpLiteralWithOrWithoutAPortThenItIsThatAddressAndOtherwiseNone() throws Exception {
		assertThat(ClientAddress.literal("192.0.2.1")).isEqualTo(InetAddress.getByName("192.0.2.1"));
		assertThat(ClientAddress.literal("192.0.2.1:4711")).isEqualTo(InetAddress.getByName("192.0.2.1"));
		assertThat(ClientAddress.literal("2001:db8::1")).isEqualTo(InetAddress.getByName("2001:db8::1"));
		assertThat(ClientAddress.literal("[2001:db8::1]:4711")).isEqualTo(InetAddress.getByName("2001:db8::1"));
		assertThat(ClientAddress.literal("[2001:db8::1")).isNull();
		assertThat(ClientAddress.literal("unknown")).isNull();
		assertThat(ClientAddress.literal("_hidden")).isNull();
		assertThat(ClientAddress.literal("localhost")).as("names are not looked up").isNull();
		assertThat(ClientAddress.literal("")).isNull();
	}

}
