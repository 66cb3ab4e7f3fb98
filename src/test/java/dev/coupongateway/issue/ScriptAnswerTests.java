package dev.coupongateway.issue;

import java.io.IOException;
import java.time.Duration;

import dev.coupongateway.system.RedisFailures;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * How the claim script's connection reports a lost connection. When a Redis master is
 * killed under a command, Lettuce fails the command with the bare I/O error of the reset
 * (seen in a rehearsal: {@code recvAddress(..) failed with error(-104): Connection reset
 * by peer}, answered 500). On the script's own connection that error means Redis is gone:
 * it must read as unavailable, so the claim looks its grant up or answers 503.
 */
class ScriptAnswerTests {

	@Test
	void whenTheConnectionIsResetUnderACommandThenRedisIsUnavailable() {
		AsyncCommand<byte[], byte[], String> command = new AsyncCommand<>(
				new Command<>(CommandType.EVALSHA, new StatusOutput<>(ByteArrayCodec.INSTANCE)));
		command.completeExceptionally(
				new IOException("recvAddress(..) failed with error(-104): Connection reset by peer"));

		Throwable failure = catchThrowable(() -> IssueScript.answer(command).block(Duration.ofSeconds(5)));

		assertThat(RedisFailures.isUnavailable(failure)).as(String.valueOf(failure)).isTrue();
	}

}
