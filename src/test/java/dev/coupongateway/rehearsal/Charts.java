package dev.coupongateway.rehearsal;

import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for the report (no script, no network): line charts over time and
 * scatter plots. Each chart carries a title and a description for screen readers.
 */
final class Charts {

	static final String[] COLORS = { "#1b6ca8", "#d95f02", "#2a9d4b", "#c2185b", "#7570b3", "#a6761d", "#666666",
			"#e6ab02" };

	private static final int WIDTH = 860;

	private static final int HEIGHT = 300;

	private static final int LEFT = 70;

	private static final int RIGHT = 20;

	private static final int TOP = 34;

	private static final int BOTTOM = 46;

	private Charts() {
	}

	/** One line of a chart. */
	record Series(String name, double[] y) {
	}

	/** A vertical marker (a fault, the sell-out) at x. */
	record Marker(double x, String label) {
	}

	/** Lines over a shared x axis. */
	static String line(String id, String title, String description, double[] x, List<Series> series, String xLabel,
			String yLabel, List<Marker> markers) {
		double yMax = 0;
		for (Series line : series) {
			for (double value : line.y()) {
				yMax = Math.max(yMax, value);
			}
		}
		Frame frame = new Frame(min(x), max(x), 0, (yMax > 0) ? yMax : 1);
		StringBuilder svg = open(id, title, description);
		axes(svg, frame, xLabel, yLabel);
		markers(svg, frame, markers);
		for (int s = 0; s < series.size(); s++) {
			svg.append("<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"")
				.append(COLORS[s % COLORS.length])
				.append("\" points=\"");
			double[] y = series.get(s).y();
			for (int i = 0; i < x.length && i < y.length; i++) {
				svg.append(num(frame.x(x[i]))).append(',').append(num(frame.y(y[i]))).append(' ');
			}
			svg.append("\"><title>").append(ReportPage.escape(series.get(s).name())).append("</title></polyline>\n");
		}
		legend(svg, series.stream().map(Series::name).toList());
		return svg.append("</svg>\n").toString();
	}

	/**
	 * Points coloured by group; with {@code lanes}, y is a lane index (drawn with a
	 * little spread so that points of one lane do not hide each other) and the lanes are
	 * named on the axis.
	 */
	static String scatter(String id, String title, String description, double[] x, double[] y, int[] group,
			List<String> groups, String xLabel, String yLabel, List<String> lanes) {
		Frame frame = (lanes != null) ? new Frame(min(x), max(x), -0.5, lanes.size() - 0.5)
				: new Frame(min(x), max(x), Math.min(0, min(y)), max(y));
		StringBuilder svg = open(id, title, description);
		if (lanes != null) {
			axisX(svg, frame, xLabel);
			for (int lane = 0; lane < lanes.size(); lane++) {
				svg.append(text(LEFT - 6, frame.y(lane) + 4, "end", lanes.get(lane)));
				svg.append(hline(frame, lane));
			}
		}
		else {
			axes(svg, frame, xLabel, yLabel);
		}
		for (int i = 0; i < x.length; i++) {
			double spread = (lanes != null) ? (((i * 2654435761L) & 0xffff) / 65535.0 - 0.5) * 0.6 : 0;
			svg.append("<circle r=\"1.8\" fill-opacity=\"0.55\" fill=\"")
				.append(COLORS[group[i] % COLORS.length])
				.append("\" cx=\"")
				.append(num(frame.x(x[i])))
				.append("\" cy=\"")
				.append(num(frame.y(y[i] + spread)))
				.append("\"/>");
			if (i % 20 == 19) {
				svg.append('\n');
			}
		}
		legend(svg, groups);
		return svg.append("</svg>\n").toString();
	}

	private static StringBuilder open(String id, String title, String description) {
		StringBuilder svg = new StringBuilder(4096);
		svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 ")
			.append(WIDTH)
			.append(' ')
			.append(HEIGHT)
			.append("\" aria-labelledby=\"")
			.append(id)
			.append("-t ")
			.append(id)
			.append("-d\" font-family=\"sans-serif\" font-size=\"11\">\n<title id=\"")
			.append(id)
			.append("-t\">")
			.append(ReportPage.escape(title))
			.append("</title><desc id=\"")
			.append(id)
			.append("-d\">")
			.append(ReportPage.escape(description))
			.append("</desc>\n");
		return svg;
	}

	private static void axes(StringBuilder svg, Frame frame, String xLabel, String yLabel) {
		axisX(svg, frame, xLabel);
		for (double tick : ticks(frame.y0, frame.y1)) {
			svg.append(hline(frame, tick));
			svg.append(text(LEFT - 6, frame.y(tick) + 4, "end", label(tick)));
		}
		svg.append("<text transform=\"translate(14,")
			.append(num((TOP + HEIGHT - BOTTOM) / 2.0))
			.append(") rotate(-90)\" text-anchor=\"middle\">")
			.append(ReportPage.escape(yLabel))
			.append("</text>\n");
	}

	private static void axisX(StringBuilder svg, Frame frame, String xLabel) {
		double bottom = HEIGHT - BOTTOM;
		svg.append("<line stroke=\"#333\" x1=\"")
			.append(LEFT)
			.append("\" x2=\"")
			.append(WIDTH - RIGHT)
			.append("\" y1=\"")
			.append(num(bottom))
			.append("\" y2=\"")
			.append(num(bottom))
			.append("\"/>\n");
		for (double tick : ticks(frame.x0, frame.x1)) {
			svg.append(text(frame.x(tick), bottom + 14, "middle", label(tick)));
		}
		svg.append(text((LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 8, "middle", xLabel));
	}

	private static String hline(Frame frame, double y) {
		return "<line stroke=\"#ddd\" x1=\"" + LEFT + "\" x2=\"" + (WIDTH - RIGHT) + "\" y1=\"" + num(frame.y(y))
				+ "\" y2=\"" + num(frame.y(y)) + "\"/>\n";
	}

	private static void markers(StringBuilder svg, Frame frame, List<Marker> markers) {
		for (Marker marker : markers) {
			if (marker.x() < frame.x0 || marker.x() > frame.x1) {
				continue;
			}
			double x = frame.x(marker.x());
			svg.append("<line stroke=\"#b00\" stroke-dasharray=\"4 3\" x1=\"")
				.append(num(x))
				.append("\" x2=\"")
				.append(num(x))
				.append("\" y1=\"")
				.append(TOP)
				.append("\" y2=\"")
				.append(HEIGHT - BOTTOM)
				.append("\"/>");
			svg.append(text(x + 3, TOP + 10, "start", marker.label()));
		}
	}

	private static void legend(StringBuilder svg, List<String> names) {
		double x = LEFT;
		for (int i = 0; i < names.size(); i++) {
			svg.append("<rect width=\"10\" height=\"10\" x=\"")
				.append(num(x))
				.append("\" y=\"8\" fill=\"")
				.append(COLORS[i % COLORS.length])
				.append("\"/>");
			svg.append(text(x + 14, 17, "start", names.get(i)));
			x += 24 + 6.5 * names.get(i).length();
		}
		svg.append('\n');
	}

	private static String text(double x, double y, String anchor, String text) {
		return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\">"
				+ ReportPage.escape(text) + "</text>";
	}

	/** About five round ticks between a and b. */
	static double[] ticks(double a, double b) {
		double range = (b > a) ? b - a : 1;
		double raw = range / 5;
		double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
		double step = magnitude * ((raw / magnitude >= 5) ? 5 : (raw / magnitude >= 2) ? 2 : 1);
		double first = Math.ceil(a / step) * step;
		int count = (int) Math.floor((b - first) / step + 1e-9) + 1;
		double[] ticks = new double[Math.max(0, Math.min(count, 12))];
		for (int i = 0; i < ticks.length; i++) {
			ticks[i] = first + i * step;
		}
		return ticks;
	}

	private static String label(double value) {
		if (Math.abs(value - Math.rint(value)) < 1e-9) {
			return String.format(Locale.ROOT, "%,d", (long) Math.rint(value));
		}
		return String.format(Locale.ROOT, "%.2f", value);
	}

	private static String num(double value) {
		return String.format(Locale.ROOT, "%.1f", value);
	}

	private static double min(double[] values) {
		double min = Double.MAX_VALUE;
		for (double value : values) {
			min = Math.min(min, value);
		}
		return (values.length == 0) ? 0 : min;
	}

	private static double max(double[] values) {
		double max = -Double.MAX_VALUE;
		for (double value : values) {
			max = Math.max(max, value);
		}
		return (values.length == 0) ? 1 : max;
	}

	/** Data bounds mapped onto the plot area. */
	private record Frame(double x0, double x1, double y0, double y1) {

		Frame {
			if (x1 <= x0) {
				x1 = x0 + 1;
			}
			if (y1 <= y0) {
				y1 = y0 + 1;
			}
		}

		double x(double value) {
			return LEFT + (value - this.x0) / (this.x1 - this.x0) * (WIDTH - LEFT - RIGHT);
		}

		double y(double value) {
			return HEIGHT - BOTTOM - (value - this.y0) / (this.y1 - this.y0) * (HEIGHT - TOP - BOTTOM);
		}

	}

}
