package dev.coupongateway;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;

import org.junit.platform.commons.annotation.Testable;

/**
 * Property checks on plain JUnit 5: a seeded generator, a number of tries, one failing
 * try reported with the exact command that runs it again alone.
 * <p>
 * A property is an ordinary {@code @Test} method that calls {@link #check}; the tries run
 * in a loop inside that one test. Why not {@code @ParameterizedTest} or
 * {@code @TestFactory}: the long run ({@code bench/hostile-input.sh}) tries 25,000 inputs
 * per property, and one JUnit invocation per input would mean 25,000 report entries and
 * lifecycle rounds per property; the loop also stops at the first failure and keeps
 * {@code @AfterEach} once per property (a property's "nothing changed" check runs after
 * all of its inputs, as it did with the former library's {@code @AfterProperty}).
 * <p>
 * Seeds and tries: {@code -Dcoupon.property.seed=N} replaces the base seed of the
 * properties run (default: each test's fixed seed), {@code -Dcoupon.property.tries=N}
 * their tries (default: each test's budget). Try 0 uses the base seed itself and try i a
 * seed mixed from the base seed and i, so a failing try is run again alone, with the same
 * input, by {@code -Dcoupon.property.seed=<its seed>
 * -Dcoupon.property.tries=1}; the failure's message prints that command. The shape of the
 * inputs (how often a string is short, see {@link Source#size}) depends on the test's own
 * budget, never on the tries asked for, for the same reason.
 * {@code -Dcoupon.property.report=true} prints one line per property that passed (tries,
 * seed, time).
 * <p>
 * The generators keep the distributions the properties had before: lengths mostly below a
 * cutoff of about the square root of the budget, sometimes up to the maximum, now and
 * then exactly the maximum; integers biased towards their smallest magnitude (uniform
 * within ever larger partitions); the ends of every range and the empty string mixed in
 * as edge cases. No shrinking: the failing input is reported as found (shortened in the
 * message; the re-run command reproduces it whole).
 */
public final class PropertyCheck {

	/** The base seed of the run (a long); each test's own fixed seed when unset. */
	public static final String SEED = "coupon.property.seed";

	/** The tries of every property in the run; each test's own budget when unset. */
	public static final String TRIES = "coupon.property.tries";

	/** {@code true}: one line per property that passed. */
	public static final String REPORT = "coupon.property.report";

	private static final int MAX_SHOWN = 160;

	private PropertyCheck() {
	}

	/**
	 * Runs {@code body} on {@code tries} inputs of {@code gen} (or as many as
	 * {@link #TRIES} says) from {@code seed} (or {@link #SEED}); the first failing input
	 * fails the test with its seed and the command that re-runs it. Called from the test
	 * method itself, whose class and name go in that command.
	 */
	public static <T> void check(int tries, long seed, Gen<T> gen, Body<T> body) {
		long base = Long.parseLong(System.getProperty(SEED, Long.toString(seed)).trim());
		int budget = Integer.parseInt(System.getProperty(TRIES, Integer.toString(tries)).trim());
		check(caller(), base, budget, tries, gen, body);
	}

	/** {@link #check} with the seed and tries as given, the generation size apart. */
	static <T> void check(String test, long base, int budget, int genSize, Gen<T> gen, Body<T> body) {
		long started = System.nanoTime();
		for (int i = 0; i < budget; i++) {
			long trySeed = (i == 0) ? base : mix(base, i);
			T input = null;
			try {
				input = gen.next(new Source(trySeed, genSize));
				body.accept(input);
			}
			catch (Exception | AssertionError failure) {
				throw new AssertionError(String.format("%s failed at try %d of %d (base seed %d)%n"
						+ "  input:    %s%n  try seed: %d%n  re-run:   ./mvnw test -Dtest=%s -D%s=%d -D%s=1%n  failure:  %s",
						test, i, budget, base, (input != null) ? describe(input) : "(failed while generating)", trySeed,
						test, SEED, trySeed, TRIES, firstLines(failure)), failure);
			}
		}
		if (Boolean.getBoolean(REPORT)) {
			System.out.printf("property %s: %d tries passed, seed %d, %.1f s%n", test, budget, base,
					(System.nanoTime() - started) / 1e9);
		}
	}

	/**
	 * A try's seed: the base seed and the try's index through SplitMix64's finalizer,
	 * never negative.
	 */
	static long mix(long base, int index) {
		long z = base + index * 0x9E3779B97F4A7C15L;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return (z ^ (z >>> 31)) >>> 1;
	}

	/**
	 * The test method up the stack (one JUnit runs: {@code @Test} and its kin are
	 * {@code @Testable}).
	 */
	private static String caller() {
		List<StackWalker.StackFrame> callers = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
			.walk((frames) -> frames.filter((f) -> f.getDeclaringClass() != PropertyCheck.class).toList());
		StackWalker.StackFrame frame = callers.stream()
			.filter(PropertyCheck::isTest)
			.findFirst()
			.orElse(callers.get(0));
		return frame.getDeclaringClass().getSimpleName() + "#" + frame.getMethodName();
	}

	private static boolean isTest(StackWalker.StackFrame frame) {
		try {
			return Arrays
				.stream(frame.getDeclaringClass()
					.getDeclaredMethod(frame.getMethodName(), frame.getMethodType().parameterArray())
					.getAnnotations())
				.anyMatch((annotation) -> annotation.annotationType().isAnnotationPresent(Testable.class));
		}
		catch (NoSuchMethodException ex) {
			return false;
		}
	}

	private static String firstLines(Throwable failure) {
		String message = String.valueOf(failure.getMessage()).strip();
		String shown = String.join(" / ",
				message.lines().map(String::strip).filter((line) -> !line.isEmpty()).toList());
		return failure.getClass().getSimpleName() + ": " + shorten(shown, 400);
	}

	/**
	 * The input as a short readable text: strings and bytes escaped and cut in the middle
	 * when long.
	 */
	public static String describe(Object value) {
		if (value instanceof String text) {
			return shorten("\"" + escape(text) + "\"", MAX_SHOWN)
					+ ((text.length() > 40) ? " (" + text.length() + " chars)" : "");
		}
		if (value instanceof byte[] bytes) {
			return shorten("\"" + escape(new String(bytes, StandardCharsets.ISO_8859_1)) + "\"", MAX_SHOWN) + " ("
					+ bytes.length + " bytes)";
		}
		if (value instanceof Collection<?> values) {
			List<String> parts = values.stream().map(PropertyCheck::describe).toList();
			return shorten(parts.toString(), 2 * MAX_SHOWN);
		}
		if (value instanceof Record record) {
			List<String> parts = new ArrayList<>();
			for (RecordComponent component : record.getClass().getRecordComponents()) {
				try {
					// the tests' input records are private: read them as the test itself
					// would
					component.getAccessor().setAccessible(true);
					parts.add(component.getName() + "=" + describe(component.getAccessor().invoke(record)));
				}
				catch (ReflectiveOperationException ex) {
					parts.add(component.getName() + "=?");
				}
			}
			return record.getClass().getSimpleName() + "[" + String.join(", ", parts) + "]";
		}
		return String.valueOf(value);
	}

	private static String escape(String text) {
		StringBuilder out = new StringBuilder(Math.min(text.length(), 4 * MAX_SHOWN));
		for (int i = 0; i < text.length() && out.length() < 100_000; i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\r' -> out.append("\\r");
				case '\n' -> out.append("\\n");
				case '\t' -> out.append("\\t");
				default -> {
					if (c >= ' ' && c <= '~') {
						out.append(c);
					}
					else {
						out.append(String.format("\\u%04x", (int) c));
					}
				}
			}
		}
		return out.toString();
	}

	private static String shorten(String text, int max) {
		if (text.length() <= max) {
			return text;
		}
		int tail = max / 4;
		return text.substring(0, max - tail) + " … " + text.substring(text.length() - tail);
	}

	/** The check of one input. */
	@FunctionalInterface
	public interface Body<T> {

		void accept(T input) throws Exception;

	}

	/** A generator of inputs: draws one value from the try's source. */
	@FunctionalInterface
	public interface Gen<T> {

		T next(Source source);

		default <R> Gen<R> map(Function<? super T, ? extends R> mapper) {
			return (source) -> mapper.apply(next(source));
		}

		default <R> Gen<R> flatMap(Function<? super T, Gen<R>> mapper) {
			return (source) -> mapper.apply(next(source)).next(source);
		}

		/** Draws again until a value passes (at most 10,000 draws). */
		default Gen<T> filter(Predicate<? super T> keep) {
			return (source) -> {
				for (int i = 0; i < 10_000; i++) {
					T value = next(source);
					if (keep.test(value)) {
						return value;
					}
				}
				throw new IllegalStateException("the filter kept none of 10,000 values");
			};
		}

		/**
		 * Lists of {@code min..max} values, sized as strings are ({@link Source#size}).
		 */
		default Gen<List<T>> list(int min, int max) {
			return (source) -> {
				int size = source.size(min, max);
				List<T> values = new ArrayList<>(size);
				for (int i = 0; i < size; i++) {
					values.add(next(source));
				}
				return values;
			};
		}

	}

	/** Always this value. */
	public static <T> Gen<T> just(T value) {
		return (source) -> value;
	}

	/** One of the values, each as likely. */
	@SafeVarargs
	public static <T> Gen<T> of(T... values) {
		List<T> all = List.of(values);
		return (source) -> all.get(source.nextInt(0, all.size() - 1));
	}

	/** One of the generators, each as likely. */
	@SafeVarargs
	public static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
		List<Gen<? extends T>> all = List.of(gens);
		return (source) -> all.get(source.nextInt(0, all.size() - 1)).next(source);
	}

	/**
	 * Integers in {@code min..max}, biased towards the one nearest zero: the range is cut
	 * into partitions a third as long each time towards that target, and a partition is
	 * picked first; the ends and the target mixed in as edge cases.
	 */
	public static Gen<Integer> integers(int min, int max) {
		int target = (min > 0) ? min : Math.min(max, 0);
		List<Integer> points = new ArrayList<>();
		partitions(max, target, points);
		partitions(min, target, points);
		if (!points.isEmpty()) {
			points.add(target);
		}
		List<int[]> ranges = new ArrayList<>();
		int lower = min;
		for (int point : points.stream().sorted().distinct().toList()) {
			if (point > lower && point < max) {
				ranges.add(new int[] { lower, point - 1 });
				lower = point;
			}
		}
		ranges.add(new int[] { lower, max });
		List<Integer> edges = List.of(min, target, max).stream().distinct().toList();
		return (source) -> {
			if (source.isEdgeCase(edges.size())) {
				return edges.get(source.nextInt(0, edges.size() - 1));
			}
			int[] range = ranges.get(source.nextInt(0, ranges.size() - 1));
			return source.nextInt(range[0], range[1]);
		};
	}

	private static void partitions(int from, int target, List<Integer> points) {
		long point = from;
		while (Math.abs(target - point) > 20) {
			long range = Math.abs(target - point);
			int decimals = (64 - Long.numberOfLeadingZeros(range)) / 10 * 3;
			long ratio = Math.max((long) Math.pow(decimals / 5.0, 10), 3);
			long distance = range / ratio;
			point = (from > target) ? target + distance : target - distance;
			points.add((int) point);
		}
	}

	/**
	 * Byte arrays of {@code min..max} bytes, each byte biased towards zero as
	 * {@link #integers} are.
	 */
	public static Gen<byte[]> bytes(int min, int max) {
		Gen<Integer> one = integers(Byte.MIN_VALUE, Byte.MAX_VALUE);
		return (source) -> {
			byte[] bytes = new byte[source.size(min, max)];
			for (int i = 0; i < bytes.length; i++) {
				bytes[i] = (byte) (int) one.next(source);
			}
			return bytes;
		};
	}

	/**
	 * Strings of any char but Unicode's noncharacters and private-use chars (lone
	 * surrogates included).
	 */
	public static Gen<String> strings(int minLength, int maxLength) {
		return strings(minLength, maxLength, Character.MIN_VALUE, Character.MAX_VALUE,
				(c) -> !((c >= '\ufdd0' && c <= '\ufdef') || c >= '\ufffe' || (c >= '\ue000' && c <= '\uf8ff')));
	}

	/** Strings of the chars {@code from..to}. */
	public static Gen<String> strings(int minLength, int maxLength, char from, char to) {
		return strings(minLength, maxLength, from, to, (c) -> true);
	}

	/** Strings of the given chars. */
	public static Gen<String> strings(int minLength, int maxLength, String chars) {
		Gen<Character> oneOf = (source) -> chars.charAt(source.nextInt(0, chars.length() - 1));
		return stringsOf(minLength, maxLength, chars.charAt(0), chars.charAt(chars.length() - 1), oneOf);
	}

	private static Gen<String> strings(int minLength, int maxLength, char from, char to, CharPredicate allowed) {
		return stringsOf(minLength, maxLength, from, to, (source) -> {
			while (true) {
				char c = (char) source.nextInt(from, to);
				if (allowed.test(c)) {
					return c;
				}
			}
		});
	}

	/**
	 * The edge cases: the shortest string of the first char, of the last char, and the
	 * empty string when allowed.
	 */
	private static Gen<String> stringsOf(int minLength, int maxLength, char first, char last, Gen<Character> chars) {
		List<String> edges = new ArrayList<>();
		if (minLength == 0) {
			edges.add("");
		}
		int shortest = Math.max(minLength, 1);
		if (shortest <= maxLength) {
			edges.add(String.valueOf(first).repeat(shortest));
			edges.add(String.valueOf(last).repeat(shortest));
		}
		return (source) -> {
			if (source.isEdgeCase(edges.size())) {
				return edges.get(source.nextInt(0, edges.size() - 1));
			}
			int length = source.size(minLength, maxLength);
			StringBuilder text = new StringBuilder(length);
			for (int i = 0; i < length; i++) {
				text.append((char) chars.next(source));
			}
			return text.toString();
		};
	}

	@FunctionalInterface
	private interface CharPredicate {

		boolean test(char c);

	}

	/**
	 * The randomness of one try, and the generation size (the test's own budget of
	 * tries).
	 */
	public static final class Source {

		private final SplittableRandom random;

		private final int genSize;

		Source(long seed, int genSize) {
			this.random = new SplittableRandom(seed);
			this.genSize = genSize;
		}

		/** Uniform in {@code min..max}, both included. */
		public int nextInt(int min, int max) {
			return (int) (min + this.random.nextLong((long) max - min + 1));
		}

		/**
		 * Whether to take one of {@code count} edge cases instead of a random value: one
		 * draw in about {@code min(genSize / 5, 100 / count) + 1}.
		 */
		public boolean isEdgeCase(int count) {
			int ratio = Math.max(1, Math.min(Math.max(this.genSize / 5, 1), 100 / count)) + 1;
			return this.random.nextInt(ratio) == 0;
		}

		/**
		 * A length in {@code min..max}: below a cutoff of
		 * {@code min + max(10, sqrt(genSize))} nine times in ten, above it otherwise, and
		 * exactly {@code max} one time in 50 (fewer for small budgets).
		 */
		public int size(int min, int max) {
			int offset = (int) Math.max(Math.round(Math.sqrt(this.genSize)), 10);
			if (max - min <= offset) {
				return nextInt(min, max);
			}
			int cutoff = Math.min(min + offset, max);
			double maxProbability = Math.min(0.02, 10.0 / this.genSize);
			if (this.random.nextDouble() <= maxProbability) {
				return max;
			}
			if (this.random.nextDouble() <= 0.1 + maxProbability) {
				return nextInt(cutoff + 1, max);
			}
			return nextInt(min, cutoff);
		}

	}

}
