package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** bench-policies' median and range of paired ratios, and the fresh JVM's result line. */
class SpreadTest {

    @Test
    void medianOfOddAndEvenCountsWithTheRange() {
        assertEquals(new Spread(3, 1, 9), Spread.of(new double[] {9, 1, 3}));
        assertEquals(new Spread(2.5, 1, 9), Spread.of(new double[] {9, 2, 1, 3}));
        assertEquals(new Spread(4, 4, 4), Spread.of(new double[] {4}));
        assertThrows(IllegalArgumentException.class, () -> Spread.of(new double[0]));
    }

    @Test
    void ratiosArePairedByRoundNotBestAgainstBest() {
        // the policy's rounds 110, 105, 200 against FullKV's 100, 100, 190: +5% at the median;
        // best against best (105 / 100) would say +5% too, but the worst round's FullKV time pairs with the worst
        Spread s = Spread.ratios(new double[] {110, 105, 200}, new double[] {100, 100, 190});
        assertEquals(1.0526, s.median(), 1e-4);
        assertEquals(1.05, s.min(), 1e-12);
        assertEquals(1.10, s.max(), 1e-12);
        assertEquals("+5.3% [+5.0%..+10.0%]", s.asPercentages());
        assertEquals("-10.0% [-10.0%..-10.0%]", Spread.ratios(new double[] {90}, new double[] {100}).asPercentages());
        assertThrows(IllegalArgumentException.class, () -> Spread.ratios(new double[] {1}, new double[] {1, 2}));
    }

    @Test
    void freshJvmResultLineIsReadAndAFailureNamesThePolicyAndTheChildsLastLine() throws IOException {
        FreshSelection.FirstCall f = FreshSelection.parse("h2o", 0,
                "device: CPU\nfirst-selection nanos=12500000 warmup-nanos=31000000 prefill-nanos=3500000000\n");
        assertEquals(12.5, f.selectionMs(), 1e-9);
        assertEquals(31.0, f.warmupMs(), 1e-9);
        assertEquals(3500.0, f.prefillMs(), 1e-9);
        assertTrue(assertThrows(IOException.class, () -> FreshSelection.parse("h2o", 0, "first-selection nanos=12500000\n"))
                .getMessage().contains("first-selection"), "a line without the warm-up and prefill is no result");
        IOException e = assertThrows(IOException.class,
                () -> FreshSelection.parse("h2o", 1, "Exception in thread main\njava.lang.OutOfMemoryError: heap\n"));
        assertEquals("the fresh JVM timing h2o failed (exit 1): java.lang.OutOfMemoryError: heap", e.getMessage());
        assertTrue(assertThrows(IOException.class, () -> FreshSelection.parse("h2o", 0, "")).getMessage().contains("no output"));
    }
}
