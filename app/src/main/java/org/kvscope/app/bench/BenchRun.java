package org.kvscope.app.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One {@code kvscope bench} run: the bandwidth measured just before it, prefill and decode
 * tokens/s, and the decode bound that bandwidth gives. The bandwidth columns are NaN when the
 * test was skipped ({@code --bandwidth-mib 0}).
 */
public record BenchRun(double copyGBps, double readGBps, double prefillTokS, double decodeTokS, double boundTokS) {

    public double decodeOverBound() { return decodeTokS / boundTokS; }

    public double prefillOverDecode() { return prefillTokS / decodeTokS; }

    /** This run as a markdown table row labelled {@code label}. */
    public String row(String label) {
        return row(label, copyGBps, readGBps, prefillTokS, decodeTokS, boundTokS, decodeOverBound(), prefillOverDecode());
    }

    /**
     * A row of medians: every column's median over the runs, where the two ratio columns are the
     * medians of each run's own ratio (a comparison within one run), not ratios of the medians.
     */
    public static String medianRow(List<BenchRun> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to summarise");
        }
        return row("median", median(runs, BenchRun::copyGBps), median(runs, BenchRun::readGBps),
                median(runs, BenchRun::prefillTokS), median(runs, BenchRun::decodeTokS), median(runs, BenchRun::boundTokS),
                median(runs, BenchRun::decodeOverBound), median(runs, BenchRun::prefillOverDecode));
    }

    public static double median(List<BenchRun> runs, ToDoubleFunction<BenchRun> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String row(String label, double copy, double read, double prefill, double decode, double bound,
                              double decodeOverBound, double prefillOverDecode) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %.2f | %.2f | %s | %s | %.1fx |", label, number(copy),
                number(read), prefill, decode, number(bound),
                Double.isNaN(decodeOverBound) ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * decodeOverBound),
                prefillOverDecode);
    }

    /** Two decimals, or "–" for a column that was not measured (NaN: bench without its bandwidth test). */
    private static String number(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }
}
