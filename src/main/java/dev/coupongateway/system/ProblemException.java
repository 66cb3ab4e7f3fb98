package dev.coupongateway.system;

/**
 * Carries a {@link Problem} out of a reactive chain to the problem handler; no stack
 * trace is filled.
 */
public final class ProblemException extends RuntimeException {

	private final transient Problem problem;

	public ProblemException(Problem problem) {
		super(problem.code() + ": " + problem.detail(), null, false, false);
		this.problem = problem;
	}

	public Problem problem() {
		return this.problem;
	}

}
