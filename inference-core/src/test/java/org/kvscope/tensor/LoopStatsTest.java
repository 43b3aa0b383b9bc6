package org.kvscope.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link LoopStats}' summary line per loop size, including the caller's serial gap before each loop. */
class LoopStatsTest {
    @Test
    void theGapBeforeALoopIsTheCallersTimeSinceThePreviousLoopEndedAndLongGapsAreLeftOut() {
        int size = 123_457; // a size no real loop of the tests has
        long t = 1_000_000_000L;
        // loop 1: 100 µs; no previous loop of this test (a previous end far in the past: not counted)
        LoopStats.add(size, t, t + 10_000, t + 90_000, t + 100_000, false, 3, 4);
        // loop 2 opens 30 µs after loop 1 ended, runs 200 µs
        LoopStats.add(size, t + 130_000, t + 140_000, t + 300_000, t + 330_000, true, 2, 4);
        // loop 3 opens 5 ms later: between forward passes, left out of the gap
        LoopStats.add(size, t + 5_330_000, 0L, t + 5_380_000, t + 5_380_000, false, 4, 4);
        String line = LoopStats.summary().lines().filter(l -> l.startsWith("  " + size + ",")).findFirst().orElseThrow();
        // loops 3; mean (100 + 200 + 50) / 3 µs; joined after 10 µs (two of three); woken 1 of 3; wait (10 + 30 + 0) / 3;
        // caller's chunks 9 of 12; gap 30 µs (loop 2's alone)
        assertTrue(line.equals("  123457, 3, 116.7, 10.0, 67, 33, 13.3, 75, 30.0"), line);
    }
}
