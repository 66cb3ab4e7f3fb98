package dev.coupongateway.issue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coupon ids are valid version-7 UUIDs, ordered by the millisecond they were made in, and
 * unique when many threads make them at once.
 */
class CouponIdsTests {

	@Test
	void anIdIsAVersion7UuidCarryingTheMillisecondItWasMadeIn() {
		long before = System.currentTimeMillis();
		UUID id = CouponIds.next();
		long after = System.currentTimeMillis();
		assertThat(id.version()).isEqualTo(7);
		assertThat(id.variant()).isEqualTo(2);
		assertThat(id.getMostSignificantBits() >>> 16).isBetween(before, after);
		// what clients and PostgreSQL see: the canonical text, read back as the same id
		assertThat(UUID.fromString(id.toString())).isEqualTo(id);
	}

	@Test
	void idsOfLaterMillisecondsSortAfterEarlierOnes() {
		SplittableRandom random = new SplittableRandom(1);
		List<UUID> ids = new ArrayList<>();
		long start = System.currentTimeMillis();
		for (int ms = 0; ms < 1000; ms++) {
			ids.add(CouponIds.at(start + ms, random));
		}
		assertThat(ids).isSorted();
		// and as PostgreSQL orders uuids, byte by byte, unsigned
		List<String> texts = ids.stream().map(UUID::toString).toList();
		assertThat(texts).isSorted();
	}

	@Test
	void idsMadeAtOnceOnManyThreadsAreUnique() throws Exception {
		int threads = 8;
		int each = 50_000;
		Set<UUID> ids = ConcurrentHashMap.newKeySet();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				done.add(pool.submit(() -> {
					start.await();
					for (int i = 0; i < each; i++) {
						ids.add(CouponIds.next());
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : done) {
				future.get();
			}
		}
		finally {
			pool.shutdown();
		}
		assertThat(ids).hasSize(threads * each);
	}

}
