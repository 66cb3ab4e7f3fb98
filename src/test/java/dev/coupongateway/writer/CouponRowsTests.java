package dev.coupongateway.writer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.Claims;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.writer.CouponIssuedSource.Received;
import dev.coupongateway.writer.CouponRows.Refusal;
import dev.coupongateway.writer.CouponRows.Stored;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * The writer's statements on their own, without Kafka. Mostly the same records written by
 * two statements at once, as when partitions move between writers mid-batch or a batch is
 * redelivered while its first delivery is still being stored: each statement's snapshot
 * cannot see the other's rows, and a coupon stored once must still never be kept as a
 * conflict.
 */
@CouponGatewayTest
class CouponRowsTests {

	private static final int ROUNDS = 200;

	private static final int BATCH = 4;

	private static final String SEQUENCE_TAKEN = "sequence already stored for another coupon";

	@Autowired
	private CouponRows rows;

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenTwoStatementsStoreTheSameBatchAtOnceThenEachCouponIsStoredOnceAndNoneIsAConflict() throws Exception {
		String campaign = this.fixtures.campaign(ROUNDS * BATCH);
		List<Refusal> refused = new ArrayList<>();
		long inserted = 0;
		for (int round = 0; round < ROUNDS; round++) {
			List<Received> batch = new ArrayList<>();
			for (int i = 1; i <= BATCH; i++) {
				int sequence = round * BATCH + i;
				batch.add(received(Fixtures.event(campaign, "user-" + sequence, sequence, 1),
						campaign + "-0@" + sequence));
			}
			// both writers hold the very same records
			for (Stored stored : Claims.allAtOnce(List.of(batch, batch), 2, this::insert)) {
				inserted += stored.inserted();
				refused.addAll(stored.refused());
			}
		}
		assertThat(this.fixtures.storedRows(campaign)).isEqualTo(ROUNDS * BATCH);
		assertThat(inserted).isEqualTo(ROUNDS * BATCH);
		// counts, not lists: a failure says how many of the rounds went wrong
		assertSoftly((softly) -> {
			softly.assertThat(this.fixtures.conflictReasons(campaign).size())
				.as("stored coupons kept as conflicts")
				.isZero();
			softly.assertThat(refused.size()).as("stored coupons owed to the DLT").isZero();
			softly.assertThat(refused.stream().filter(Refusal::kept).count())
				.as("stored coupons counted as conflicts")
				.isZero();
		});
	}

	@Test
	void whenTwoStatementsStoreTwoCouponsForOneSequenceAtOnceThenOneIsStoredAndTheOtherKeptForItsSequence()
			throws Exception {
		String campaign = this.fixtures.campaign(ROUNDS);
		List<Refusal> refused = new ArrayList<>();
		for (int sequence = 1; sequence <= ROUNDS; sequence++) {
			// two grants of one number to two users: only the database's guard tells them
			// apart
			List<Received> first = List
				.of(received(Fixtures.event(campaign, "a-" + sequence, sequence, 1), campaign + "-1@" + sequence));
			List<Received> second = List
				.of(received(Fixtures.event(campaign, "b-" + sequence, sequence, 1), campaign + "-2@" + sequence));
			for (Stored stored : Claims.allAtOnce(List.of(first, second), 2, this::insert)) {
				refused.addAll(stored.refused());
			}
		}
		assertThat(this.fixtures.storedRows(campaign)).isEqualTo(ROUNDS);
		Map<String, String> conflicts = this.fixtures.conflictReasons(campaign);
		assertThat(conflicts).hasSize(ROUNDS);
		assertThat(conflicts.keySet())
			.doesNotContainAnyElementsOf(this.fixtures.storedCouponIds(campaign).stream().map(UUID::toString).toList());
		assertThat(conflicts.values().stream().filter((reason) -> !reason.equals(SEQUENCE_TAKEN)).count())
			.as("conflicts kept with another reason than " + SEQUENCE_TAKEN)
			.isZero();
		assertThat(refused).hasSize(ROUNDS).allMatch(Refusal::kept);
		assertThat(refused).extracting(Refusal::couponId).containsExactlyInAnyOrderElementsOf(conflicts.keySet());
	}

	@Test
	void whenOneBatchHoldsTwoCouponsForOneSequenceThenOneIsStoredAndTheOtherKeptForItsSequence() {
		String campaign = this.fixtures.campaign(10);
		CouponIssued first = Fixtures.event(campaign, "alice", 1, 1);
		CouponIssued second = Fixtures.event(campaign, "bob", 1, 1);

		Stored stored = insert(List.of(received(first, campaign + "-3@1"), received(second, campaign + "-3@2")));

		// which of the two the insert meets first is the planner's choice; one is stored,
		// the other kept
		assertThat(stored.inserted()).isOne();
		List<UUID> kept = this.fixtures.storedCouponIds(campaign);
		assertThat(kept).hasSize(1).containsAnyOf(first.couponId(), second.couponId());
		CouponIssued refused = kept.contains(first.couponId()) ? second : first;
		String source = (refused == first) ? campaign + "-3@1" : campaign + "-3@2";
		assertThat(stored.refused())
			.containsExactly(new Refusal(refused.couponId().toString(), SEQUENCE_TAKEN, source, true));
		assertThat(this.fixtures.conflictReasons(campaign))
			.containsExactly(Map.entry(refused.couponId().toString(), SEQUENCE_TAKEN));
	}

	private Stored insert(List<Received> batch) {
		return this.rows.insert(batch).block(Duration.ofSeconds(10));
	}

	private static Received received(CouponIssued event, String source) {
		return new Received(event, event.campaignId() + ":" + event.userId(),
				event.couponId().toString().getBytes(StandardCharsets.UTF_8), source);
	}

}
