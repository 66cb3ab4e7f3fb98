package dev.coupongateway.drills;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.coupongateway.Tokens;

/**
 * HS256 bearer tokens for the benchmarks' {@code jwt}-mode instances, minted in bulk into
 * a file that {@code bench/claim.lua} reads (wrk's Lua cannot sign): one user per token,
 * with the issuer, audience and secret of {@link Tokens}, an hour to live. Signed with
 * {@link Mac} directly, not Nimbus: hundreds of thousands of them between two runs.
 */
final class BenchTokens {

	private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

	private static final String HEADER = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");

	private BenchTokens() {
	}

	/** The settings of a gateway in {@code jwt} mode that accepts these tokens. */
	static List<String> gatewaySettings() {
		return List.of("--coupon.identity=jwt", "--coupon.jwt.secret=" + Tokens.SECRET,
				"--coupon.jwt.issuer=" + Tokens.ISSUER, "--coupon.jwt.audience=" + Tokens.AUDIENCE);
	}

	/**
	 * Writes {@code count} tokens for the users {@code <prefix>-0} to
	 * {@code <prefix>-<count - 1>} into {@code file}.
	 */
	static Path mint(Path file, String prefix, int count) {
		long started = System.nanoTime();
		try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(Tokens.SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
			long now = Instant.now().getEpochSecond();
			String claims = "{\"iss\":\"" + Tokens.ISSUER + "\",\"aud\":\"" + Tokens.AUDIENCE + "\",\"iat\":" + now
					+ ",\"exp\":" + (now + 3600) + ",\"sub\":\"" + prefix + "-";
			for (int i = 0; i < count; i++) {
				String signingInput = HEADER + "." + encode(claims + i + "\"}");
				out.write(signingInput);
				out.write('.');
				out.write(BASE64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII))));
				out.write('\n');
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
		Drills.log(
				"Minted " + count + " tokens (" + prefix + ") in " + (System.nanoTime() - started) / 1_000_000 + " ms");
		return file;
	}

	private static String encode(String json) {
		return BASE64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
	}

}
