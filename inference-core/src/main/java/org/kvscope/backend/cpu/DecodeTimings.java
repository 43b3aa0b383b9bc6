package org.kvscope.backend.cpu;

/**
 * Wall time of each phase of the CPU decode steps (one-token forward passes), summed over the
 * process and printed to stderr when it exits: on with {@code -Dkvscope.decode.timings=true}
 * (e.g. through {@code KVSCOPE_JAVA_OPTS}), otherwise every call returns at once and the JIT
 * drops them. {@code -Dkvscope.decode.timings.skip=N} leaves out the first N steps (a warm-up
 * run's, timed before the JIT compiled the kernels). It shows what a token costs besides its matrix products: hand-offs to the cores
 * are inside each parallel phase's time, the logits' way to the caller in {@link Phase#SINK}.
 * Meant for one decoding thread at a time.
 */
final class DecodeTimings {
    static final boolean ON = Boolean.getBoolean("kvscope.decode.timings");
    private static final long SKIP = Long.getLong("kvscope.decode.timings.skip", 0L);

    /** The phases of a decode step, in its order. */
    enum Phase {
        EMBEDDING("embedding"), NORMS("RMSNorm"), QKV("q/k/v products"), ROPE_APPEND("RoPE and the cache append outside decode attention"),
        ATTENTION("attention"), OUTPUT("attention output product"), RESIDUAL("residual adds"),
        GATE_UP("gate/up products and SwiGLU"), DOWN("down product"), LOGITS("logits product"),
        SINK("logits handed over");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    private static final Phase[] PHASES = Phase.values();
    private static final long[] NANOS = new long[PHASES.length];
    private static long steps, seen;

    static {
        if (ON) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(summary()), "decode-timings"));
        }
    }

    private DecodeTimings() {}

    /** Whether a forward pass of {@code n} tokens is timed: a decode step past the skipped ones. */
    static boolean timed(int n) {
        if (!ON || n != 1) {
            return false;
        }
        synchronized (NANOS) {
            return seen++ >= SKIP;
        }
    }

    /** The current time when timing, else 0. */
    static long now() {
        return ON ? System.nanoTime() : 0L;
    }

    /** Adds the time since {@code since} to {@code phase}; returns the current time (0 when not timing). */
    static long lap(Phase phase, long since) {
        if (!ON) {
            return 0L;
        }
        long t = System.nanoTime();
        synchronized (NANOS) {
            NANOS[phase.ordinal()] += t - since;
        }
        return t;
    }

    /** One decode step was timed. */
    static void step() {
        if (ON) {
            synchronized (NANOS) {
                steps++;
            }
        }
    }

    /** One line: microseconds per step for each phase and its share of their sum. */
    static String summary() {
        synchronized (NANOS) {
            long total = 0;
            for (long n : NANOS) {
                total += n;
            }
            StringBuilder line = new StringBuilder("decode timings over " + steps + " steps (the first " + SKIP
                    + " left out): "
                    + micros(total) + " µs per step");
            for (Phase p : PHASES) {
                line.append("; ").append(p.label).append(' ').append(micros(NANOS[p.ordinal()]))
                        .append(String.format(" (%.1f%%)", total == 0 ? 0.0 : 100.0 * NANOS[p.ordinal()] / total));
            }
            return line.toString();
        }
    }

    private static String micros(long nanos) {
        return String.format("%.1f", steps == 0 ? 0.0 : nanos / 1e3 / steps);
    }
}
