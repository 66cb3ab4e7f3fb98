package dev.coupongateway.issue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.issue.IssueOutcome.Result;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every branch of {@code issue.lua} against a real Redis: the return value and the state
 * it leaves.
 */
@CouponGatewayTest
class IssueScriptTests {

	@Autowired
	private IssueScript script;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Test
	void whenCampaignHasNoRedisStateThenUnknownAndNothingWritten() {
		String id = Fixtures.uniqueId("none");
		expect(id, "alice", Result.UNKNOWN_CAMPAIGN);
		assertThat(this.redis.hasKey(CampaignKeys.of(id).grants()).block()).isFalse();
		assertThat(this.redis.hasKey(CampaignKeys.of(id).settings()).block()).isFalse();
	}

	@Test
	void whenGrantedThenTheOutboxHoldsTheEventInTheSameStep() {
		String id = settings(3, 1, 0, 0);
		UUID couponId = UUID.randomUUID();
		IssueOutcome outcome = this.script.claim(CampaignKeys.of(id), "olga", "127.0.0.1", couponId, false)
			.block(Duration.ofSeconds(5));
		var entries = this.redis.opsForStream()
			.range(CampaignKeys.of(id).outbox(), Range.unbounded())
			.collectList()
			.block(Duration.ofSeconds(5));
		assertThat(entries).hasSize(1);
		assertThat(entries.get(0).getId().getValue()).isEqualTo(outcome.outboxEntry());
		assertThat(entries.get(0).getValue()).containsEntry("c", couponId.toString())
			.containsEntry("u", "olga")
			.containsEntry("s", "1")
			.containsEntry("l", "1")
			.containsEntry("t", Long.toString(outcome.granted().issuedAt().toEpochMilli()));
		expect(id, "olga", Result.ALREADY_ISSUED);
		assertThat(this.redis.opsForStream().size(CampaignKeys.of(id).outbox()).block()).isEqualTo(1);
	}

	@Test
	void whenRedisForgotTheScriptThenTheClaimLoadsItAgain() {
		// a restarted or failed-over Redis has no scripts: EVALSHA answers NOSCRIPT
		String id = settings(3, 1, 0, 0);
		this.redis.execute((connection) -> connection.scriptingCommands().scriptFlush())
			.blockLast(Duration.ofSeconds(5));
		expect(id, "sam", Result.GRANTED);
		expect(id, "sam", Result.ALREADY_ISSUED);
		assertThat(issued(id)).isEqualTo("1");
	}

	@Test
	void whenTheSameClaimRunsTwiceThenTheFirstGrantIsReturnedAndNothingMoreGranted() {
		// a command re-sent after a reconnect runs the script again with the same coupon
		// id
		String id = settings(5, 3, 0, 0);
		UUID couponId = UUID.randomUUID();
		IssueOutcome first = this.script.claim(CampaignKeys.of(id), "rita", "127.0.0.1", couponId, false)
			.block(Duration.ofSeconds(5));
		IssueOutcome again = this.script.claim(CampaignKeys.of(id), "rita", "127.0.0.1", couponId, false)
			.block(Duration.ofSeconds(5));
		assertThat(again.result()).isEqualTo(Result.GRANTED);
		assertThat(again.granted()).isEqualTo(first.granted());
		assertThat(again.outboxEntry()).isEmpty();
		assertThat(issued(id)).isEqualTo("1");
		assertThat(Grant.parseAll(grants(id, "rita"))).containsExactly(first.granted());
	}

	@Test
	void whenStockIsLeftThenGrantedAndRecorded() {
		String id = settings(3, 1, 0, 0);
		UUID couponId = UUID.randomUUID();
		IssueOutcome outcome = this.script.claim(CampaignKeys.of(id), "alice", "127.0.0.1", couponId, false)
			.block(Duration.ofSeconds(5));
		assertThat(outcome.result()).isEqualTo(Result.GRANTED);
		Grant grant = outcome.granted();
		assertThat(grant.couponId()).isEqualTo(couponId);
		assertThat(grant.sequence()).isEqualTo(1);
		assertThat(grant.userSlot()).isEqualTo(1);
		assertThat(grant.issuedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(60));
		assertThat(issued(id)).isEqualTo("1");
		assertThat(Grant.parseAll(grants(id, "alice"))).containsExactly(grant);
	}

	@Test
	void whenTheStockHasFreedSequencesThenTheyAreHandedOutFirst() {
		String id = settings(5, 1, 0, 0);
		this.redis.opsForHash().put(CampaignKeys.of(id).settings(), "seq", "3").block(Duration.ofSeconds(5));
		this.redis.opsForList().rightPush(CampaignKeys.of(id).free(), "2").block(Duration.ofSeconds(5));
		assertThat(this.script.claim(CampaignKeys.of(id), "u1", "127.0.0.1", UUID.randomUUID(), false)
			.block(Duration.ofSeconds(5))
			.granted()
			.sequence()).isEqualTo(2);
		assertThat(this.script.claim(CampaignKeys.of(id), "u2", "127.0.0.1", UUID.randomUUID(), false)
			.block(Duration.ofSeconds(5))
			.granted()
			.sequence()).isEqualTo(4);
		assertThat(issued(id)).isEqualTo("2");
	}

	@Test
	void whenUserIsAtTheLimitThenAlreadyIssuedWithTheExistingCoupons() {
		String id = settings(10, 2, 0, 0);
		UUID first = UUID.randomUUID();
		UUID second = UUID.randomUUID();
		this.script.claim(CampaignKeys.of(id), "bob", "127.0.0.1", first, false).block(Duration.ofSeconds(5));
		IssueOutcome slot2 = this.script.claim(CampaignKeys.of(id), "bob", "127.0.0.1", second, false)
			.block(Duration.ofSeconds(5));
		assertThat(slot2.granted().userSlot()).isEqualTo(2);
		assertThat(slot2.granted().sequence()).isEqualTo(2);

		IssueOutcome third = this.script.claim(CampaignKeys.of(id), "bob", "127.0.0.1", UUID.randomUUID(), false)
			.block(Duration.ofSeconds(5));
		assertThat(third.result()).isEqualTo(Result.ALREADY_ISSUED);
		assertThat(third.grants()).extracting(Grant::couponId).containsExactly(first, second);
		assertThat(third.grants()).extracting(Grant::userSlot).containsExactly(1, 2);
		assertThat(issued(id)).isEqualTo("2");
	}

	@Test
	void whenCampaignHasNotStartedThenNotStartedAndNothingWritten() {
		String id = settings(10, 1, Instant.now().plusSeconds(3600).toEpochMilli(), 0);
		expect(id, "carol", Result.NOT_STARTED);
		assertThat(issued(id)).isEqualTo("0");
		assertThat(grants(id, "carol")).isNull();
	}

	@Test
	void whenCampaignHasEndedThenEndedAndNothingWritten() {
		String id = settings(10, 1, Instant.now().minusSeconds(7200).toEpochMilli(),
				Instant.now().minusSeconds(3600).toEpochMilli());
		expect(id, "dave", Result.ENDED);
		assertThat(issued(id)).isEqualTo("0");
		assertThat(grants(id, "dave")).isNull();
	}

	@Test
	void whenWindowIsOpenThenGranted() {
		String id = settings(10, 1, Instant.now().minusSeconds(60).toEpochMilli(),
				Instant.now().plusSeconds(3600).toEpochMilli());
		expect(id, "erin", Result.GRANTED);
	}

	@Test
	void whenStockIsGoneThenSoldOutAndNothingWritten() {
		String id = settings(1, 1, 0, 0);
		expect(id, "frank", Result.GRANTED);
		expect(id, "grace", Result.SOLD_OUT);
		assertThat(issued(id)).isEqualTo("1");
		assertThat(grants(id, "grace")).isNull();
	}

	@Test
	void whenUserHoldsACouponOfAnEndedCampaignThenTheRetryStillGetsIt() {
		String id = settings(1, 1, 0, Instant.now().plusSeconds(3600).toEpochMilli());
		UUID couponId = UUID.randomUUID();
		this.script.claim(CampaignKeys.of(id), "heidi", "127.0.0.1", couponId, false).block(Duration.ofSeconds(5));
		this.redis.<String, String>opsForHash()
			.put(CampaignKeys.of(id).settings(), "ends", Long.toString(Instant.now().minusSeconds(1).toEpochMilli()))
			.block();
		IssueOutcome retry = this.script.claim(CampaignKeys.of(id), "heidi", "127.0.0.1", UUID.randomUUID(), false)
			.block(Duration.ofSeconds(5));
		assertThat(retry.result()).isEqualTo(Result.ALREADY_ISSUED);
		assertThat(retry.grants()).extracting(Grant::couponId).containsExactly(couponId);
	}

	@Test
	void whenTheStateWasCheckedOnAnotherServerThenUnknownAndNothingWritten() {
		// what a restart or a failover shows: the state's fence names a server that is
		// not this one
		String id = settings(10, 1, 0, 0);
		this.redis.<String, String>opsForHash()
			.put(CampaignKeys.of(id).settings(), "verified", "0123456789abcdef")
			.block();
		expect(id, "ivan", Result.UNKNOWN_CAMPAIGN);
		this.redis.<String, String>opsForHash().remove(CampaignKeys.of(id).settings(), "verified").block();
		expect(id, "ivan", Result.UNKNOWN_CAMPAIGN);
		assertThat(issued(id)).isEqualTo("0");
		assertThat(grants(id, "ivan")).isNull();
		assertThat(this.redis.opsForStream().size(CampaignKeys.of(id).outbox()).block()).isZero();
	}

	@Test
	void whenTheCampaignHasAWaitingRoomThenOnlyAnAdmittedClaimIsGranted() {
		String id = settings(10, 1, 0, 0);
		this.redis.<String, String>opsForHash().put(CampaignKeys.of(id).settings(), "room", "1").block();
		expect(id, "judy", Result.NOT_ADMITTED);
		assertThat(issued(id)).isEqualTo("0");
		assertThat(grants(id, "judy")).isNull();
		assertThat(this.script.claim(CampaignKeys.of(id), "judy", "127.0.0.1", UUID.randomUUID(), true)
			.block(Duration.ofSeconds(5))
			.result()).isEqualTo(Result.GRANTED);
		// a winner asking again without a ticket is told what they hold
		expect(id, "judy", Result.ALREADY_ISSUED);
	}

	private void expect(String campaignId, String userId, Result result) {
		StepVerifier
			.create(this.script.claim(CampaignKeys.of(campaignId), userId, "127.0.0.1", UUID.randomUUID(), false))
			.assertNext((outcome) -> assertThat(outcome.result()).isEqualTo(result))
			.expectComplete()
			.verify(Duration.ofSeconds(5));
	}

	/** Writes a campaign's settings straight into Redis, as creation would. */
	private String settings(int total, int limit, long starts, long ends) {
		String id = Fixtures.uniqueId("lua");
		this.redis.<String, String>opsForHash()
			.putAll(CampaignKeys.of(id).settings(),
					Map.of("total", Integer.toString(total), "limit", Integer.toString(limit), "starts",
							Long.toString(starts), "ends", Long.toString(ends), "issued", "0", "seq", "0", "verified",
							runId()))
			.block(Duration.ofSeconds(5));
		return id;
	}

	/**
	 * The run id of the Redis server, as a check against PostgreSQL writes into the
	 * state's fence.
	 */
	private String runId() {
		return this.redis.execute((connection) -> connection.serverCommands().info("server"))
			.next()
			.map((info) -> info.getProperty("run_id"))
			.block(Duration.ofSeconds(5));
	}

	private String issued(String campaignId) {
		return this.redis.<String, String>opsForHash()
			.get(CampaignKeys.of(campaignId).settings(), "issued")
			.block(Duration.ofSeconds(5));
	}

	private String grants(String campaignId, String userId) {
		return this.redis.<String, String>opsForHash()
			.get(CampaignKeys.of(campaignId).grants(), userId)
			.block(Duration.ofSeconds(5));
	}

}
