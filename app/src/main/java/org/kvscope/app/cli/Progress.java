package org.kvscope.app.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long command on stderr. On a terminal: a progress bar (me.tongfei:progressbar)
 * with what is being done, done/total, elapsed time and the estimated time left. Anywhere else (a
 * log file, a pipe): no bar, one summary line when the work is done (none when it fails, so that the
 * error stays the only line). With {@code --quiet}: nothing.
 */
final class Progress implements AutoCloseable {
    /** The switch that silences progress. */
    static final String QUIET = "quiet";
    /** Set by the launcher, whose stderr filter hides the terminal from the JVM. */
    static final String TERMINAL_PROPERTY = "kvscope.stderr.terminal";
    static final String USAGE = "  --quiet            no progress on stderr (by default a bar on a terminal, one summary line elsewhere)";

    enum Mode { BAR, SUMMARY, SILENT }

    private final PrintStream err;
    private final Mode mode;
    private final String task;
    private final String unit;
    private long total;
    private final long startNanos = System.nanoTime();
    private final ProgressBar bar;
    private final int width;
    private long done;

    private Progress(PrintStream err, Mode mode, String task, long total, String unit) {
        this.err = err;
        this.mode = mode;
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.width = terminalWidth();
        this.bar = mode != Mode.BAR ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setUnit(" " + unit, 1).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .continuousUpdate().setConsumer(new ConsoleProgressBarConsumer(err, width - 1)).build();
    }

    /** Starts reporting {@code total} units of work, in the mode {@code a} and {@code err} call for. */
    static Progress start(Args a, PrintStream err, String task, long total, String unit) {
        Mode mode = a.flag(QUIET) ? Mode.SILENT : err == System.err && stderrIsTerminal() ? Mode.BAR : Mode.SUMMARY;
        return forMode(mode, err, task, total, unit);
    }

    static Progress forMode(Mode mode, PrintStream err, String task, long total, String unit) {
        return new Progress(err, mode, task, total, unit);
    }

    Mode mode() { return mode; }

    /** One more unit done; {@code next} says what is being worked on now. */
    synchronized void step(String next) {
        done++;
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(next);
        }
    }

    /** Units done so far (cumulative). */
    synchronized void stepTo(long units, String next) {
        done = units;
        if (bar != null) {
            bar.stepTo(units);
            bar.setExtraMessage(next);
        }
    }

    /** Units done so far, of a total known only once the work has started. */
    synchronized void stepTo(long units, long newTotal, String next) {
        if (newTotal != total) {
            total = newTotal;
            if (bar != null) {
                bar.maxHint(newTotal);
            }
        }
        stepTo(units, next);
    }

    /** A result line: printed over the bar on a terminal, as is elsewhere, not at all with {@code --quiet}. */
    synchronized void log(String line) {
        if (mode == Mode.BAR) {
            err.print("\r" + line + " ".repeat(Math.max(0, width - 1 - line.length())) + "\n");
        } else if (mode == Mode.SUMMARY) {
            err.println(line);
        }
    }

    /** A line for another stream (stdout) that shares the terminal: the bar's line is cleared first. */
    synchronized void above(PrintStream stream, String line) {
        if (mode == Mode.BAR) {
            err.print("\r" + " ".repeat(width - 1) + "\r");
            err.flush();
        }
        stream.println(line);
        stream.flush();
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        } else if (mode == Mode.SUMMARY && done >= total) { // a failed run's one line is its error
            err.printf("%s: %d/%d %s in %s%n", task, done, total, unit,
                    format(Duration.ofNanos(System.nanoTime() - startNanos)));
        }
    }

    static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? String.format("%dm %02ds", s / 60, s % 60)
                : String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Whether this process's stderr is a terminal: as the launcher says, else as Linux's /proc says. */
    static boolean stderrIsTerminal() {
        String told = System.getProperty(TERMINAL_PROPERTY);
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false; // not Linux, or no /proc: no bar, the summary line still comes
        }
    }

    private static int terminalWidth() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").trim()));
        } catch (NumberFormatException e) {
            return 80;
        }
    }
}
