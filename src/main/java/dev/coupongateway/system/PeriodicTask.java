package dev.coupongateway.system;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;

/**
 * A reactive task run every so often while the application runs: one run at a time (a
 * tick that comes while the previous run is busy is dropped), a failed run logged (one
 * line per task every ten seconds at most: an outage fails every run) and the next one
 * tried.
 */
public abstract class PeriodicTask implements SmartLifecycle {

	private static final LogThrottle failures = new LogThrottle(Duration.ofSeconds(10));

	private final Log logger = LogFactory.getLog(getClass());

	private final Duration every;

	private final boolean enabled;

	private volatile Disposable running;

	protected PeriodicTask(Duration every, boolean enabled) {
		this.every = every;
		this.enabled = enabled;
	}

	/** One run. */
	protected abstract Mono<Void> run();

	@Override
	public void start() {
		if (!this.enabled || this.running != null) {
			return;
		}
		this.running = Flux.interval(Duration.ZERO, this.every)
			.onBackpressureDrop()
			.concatMap((tick) -> run().onErrorResume((ex) -> {
				if (failures.due(getClass().getName())) {
					this.logger.warn(getClass().getSimpleName() + " run failed: " + ex);
				}
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

}
