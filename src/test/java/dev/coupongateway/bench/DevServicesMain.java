package dev.coupongateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import dev.coupongateway.DevServices;

/**
 * Starts the dev services (Redis, PostgreSQL, Kafka) on their own, without a gateway, and
 * writes their connection settings as {@code --key=value} lines to the file given, so a
 * benchmark can run the packaged jar against them in a separate process. Runs until
 * killed.
 */
public final class DevServicesMain {

	private DevServicesMain() {
	}

	public static void main(String[] args) throws Exception {
		String settings = DevServices.properties()
			.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.collect(Collectors.joining("\n"));
		Path out = Path.of(args[0]);
		Files.writeString(out.resolveSibling(out.getFileName() + ".tmp"), settings + "\n");
		Files.move(out.resolveSibling(out.getFileName() + ".tmp"), out);
		Thread.currentThread().join();
	}

}
