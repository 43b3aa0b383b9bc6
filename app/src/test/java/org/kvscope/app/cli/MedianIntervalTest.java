package org.kvscope.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** bench-policies' interval of the median pair ratio, its verdict on the 5% bound, and /proc/stat's line. */
class MedianIntervalTest {

    @Test
    void coverageIsOneLessTwiceTheBinomialTail() {
        assertEquals(1 - 2.0 / 64, MedianInterval.coverage(6, 1), 1e-15);   // [x1, x6]
        assertEquals(1 - 20.0 / 512, MedianInterval.coverage(9, 2), 1e-15);  // P(B <= 1) = 10/512
        assertEquals(1 - 92.0 / 512, MedianInterval.coverage(9, 3), 1e-15);  // P(B <= 2) = 46/512
        assertEquals(1 - 158.0 / 4096, MedianInterval.coverage(12, 3), 1e-15); // P(B <= 2) = 79/4096
        assertEquals(0, MedianInterval.coverage(1, 1), 1e-15);
        // 2^-2000 underflows a double: the log-space terms still give P(B = 1000) = C(2000, 1000) / 2^2000
        assertEquals(0.01783901114585432, MedianInterval.coverage(2000, 1000), 1e-12);
    }

    @Test
    void narrowestIntervalReachingTheLevelFromTheSortedValues() {
        double[] nine = {9, 1, 8, 2, 7, 3, 6, 4, 5};
        assertEquals(new MedianInterval(2, 8, 1 - 20.0 / 512), MedianInterval.of(nine, 0.95));
        assertEquals(new MedianInterval(3, 7, 1 - 92.0 / 512), MedianInterval.of(nine, 0.80));
        double[] twelve = {12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        assertEquals(new MedianInterval(3, 10, 1 - 158.0 / 4096), MedianInterval.of(twelve, 0.95));
        // too few values for 95%: [min, max] and the coverage it has
        assertEquals(new MedianInterval(0.98, 1.04, 0.75), MedianInterval.of(new double[] {1.04, 0.98, 1.01}, 0.95));
        assertEquals(new MedianInterval(1.2, 1.2, 0), MedianInterval.of(new double[] {1.2}, 0.95));
        assertArrayEquals(new double[] {9, 1, 8, 2, 7, 3, 6, 4, 5}, nine, "the input is left as it was");
        assertThrows(IllegalArgumentException.class, () -> MedianInterval.of(new double[0], 0.95));
        assertThrows(IllegalArgumentException.class, () -> MedianInterval.of(nine, 1));
    }

    @Test
    void verdictOnTheFivePercentBoundNeedsTheWholeIntervalOnOneSide() {
        double[] within = {1.01, 0.99, 1.02, 1.00, 1.03, 0.98}; // 6 values: [min, max] covers 96.9%
        MedianInterval ci = MedianInterval.of(within, BenchPoliciesCommand.LEVEL);
        assertEquals("[-2.0%..+3.0%] 96.9%", ci.asPercentages());
        assertEquals("yes", BenchPoliciesCommand.verdict(ci));
        assertEquals("no", BenchPoliciesCommand.verdict(MedianInterval.of(new double[] {1.06, 1.07, 1.08, 1.09, 1.06, 1.10},
                BenchPoliciesCommand.LEVEL)));
        assertEquals("not resolved", BenchPoliciesCommand.verdict(MedianInterval.of(new double[] {1.01, 1.02, 1.03, 1.04, 1.05,
                1.06}, BenchPoliciesCommand.LEVEL)));
        assertEquals("yes", BenchPoliciesCommand.verdict(MedianInterval.of(new double[] {1.05, 1, 1, 1, 1, 1},
                BenchPoliciesCommand.LEVEL)), "exactly +5% is within");
        assertEquals("not resolved (too few pairs)", BenchPoliciesCommand.verdict(MedianInterval.of(new double[] {1, 1, 1, 1, 1},
                BenchPoliciesCommand.LEVEL)));
    }

    @Test
    void procStatLineGivesBusyAndStealMilliseconds() {
        // user nice system idle iowait irq softirq steal guest guest_nice, in hundredths of a second
        assertArrayEquals(new long[] {(100 + 2 + 30 + 4 + 5) * 10, 7 * 10},
                MachineCounters.parseStat("cpu  100 2 30 999 8 4 5 7 0 0"));
        assertArrayEquals(new long[] {-1, -1}, MachineCounters.parseStat("cpu0 1 2 3 4 5 6 7 8"));
        MachineCounters.Span span = new MachineCounters(30, 4, 5, 2_000_000_000L, 5000, 20, 9000)
                .since(new MachineCounters(10, 1, 5, 1_000_000_000L, 3500, 0, 1000));
        assertEquals(new MachineCounters.Span(20, 3, 0, 500, 20, 8000), span); // 1,500 ms busy, 1,000 of it this process
        assertEquals("GC 20 ms (3), JIT 0 ms, other processes 500 ms CPU, steal 20 ms, minor faults 8000", span.toString());
        assertEquals("GC 0 ms (0), JIT 0 ms, other processes ?, steal ?, minor faults ?",
                new MachineCounters(0, 0, 0, -1, -1, -1, -1).since(new MachineCounters(0, 0, 0, -1, -1, -1, -1)).toString());
    }

    @Test
    void procSelfStatGivesMinorFaultsAfterTheCommandName() {
        // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt ...; the name may hold spaces and ')'
        assertEquals(4321, MachineCounters.parseMinorFaults("77 (java) S 1 77 77 0 -1 4194560 4321 0 12 0 5 6"));
        assertEquals(55, MachineCounters.parseMinorFaults("8 (a b) c) R 1 8 8 0 -1 0 55 1 2"));
        assertEquals(-1, MachineCounters.parseMinorFaults("8 (java) R 1"));
    }

    @Test
    void theProcessorIsThe39thFieldOfAStatLineCountedAfterTheName() {
        // pid (comm) then fields 3 (state) .. 39 (processor) 40 ..; the name may hold spaces and ')'
        StringBuilder fields = new StringBuilder();
        for (int field = 3; field <= 41; field++) {
            fields.append(' ').append(field == 3 ? "S" : field == 39 ? "1" : Integer.toString(100 + field));
        }
        assertEquals(1, MachineCounters.parseProcessor("77 (lockstep-a)" + fields));
        assertEquals(1, MachineCounters.parseProcessor("8 (a b) 7)" + fields));
        assertEquals(-1, MachineCounters.parseProcessor("8 (java) R 1 8 8 0 -1 0 55 1 2"));
        int cpu = MachineCounters.threadCpu(); // this thread, where /proc has it
        assertTrue(cpu >= -1 && cpu < Math.max(1, Runtime.getRuntime().availableProcessors()) + 64, "cpu " + cpu);
    }
}
