package org.kvscope.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pieces of {@code kvscope bench}'s report: the CPU line and the per-run / median rows. */
class BenchReportTest {

    @Test
    void cpuLineNamesModelCoresWidestSimdAndKernelWidth() {
        List<String> avx2 = List.of("processor\t: 0", "model name\t: AMD EPYC", "flags\t\t: fpu sse2 avx avx2 fma f16c");
        assertEquals("cpu: AMD EPYC, 2 cores, AVX2; kernels use 256-bit vectors (8 floats)",
                CpuDescription.describe(avx2, 2, 256));
        List<String> avx512 = List.of("model name : Xeon", "flags : sse2 avx avx2 avx512f avx512bw");
        assertTrue(CpuDescription.describe(avx512, 4, 512).contains("Xeon, 4 cores, AVX-512; kernels use 512-bit vectors (16 floats)"));
        assertTrue(CpuDescription.describe(List.of(), 1, 128).contains("unknown SIMD"), "no /proc/cpuinfo");
    }

    @Test
    void runRowsAndMedianRowUseEachRunsOwnRatios() {
        BenchRun slow = new BenchRun(20, 25, 40, 8, 16);   // 50%, 5.0x
        BenchRun mid = new BenchRun(24, 28, 60, 12, 18);   // 67%, 5.0x
        BenchRun fast = new BenchRun(22, 26, 66, 11, 12);  // 92%, 6.0x
        assertEquals("| 1 | 20.00 | 25.00 | 40.00 | 8.00 | 16.00 | 50% | 5.0x |", slow.row("1"));
        // column medians: copy 22, read 26, prefill 60, decode 11, bound 16; ratio medians 67% and 5.0x
        assertEquals("| median | 22.00 | 26.00 | 60.00 | 11.00 | 16.00 | 67% | 5.0x |",
                BenchRun.medianRow(List.of(slow, mid, fast)));
        assertEquals(10.0, BenchRun.median(List.of(slow, mid), BenchRun::decodeTokS), 1e-12, "even count: mean of the middle two");
        assertThrows(IllegalArgumentException.class, () -> BenchRun.medianRow(List.of()));
        BenchRun unmeasured = new BenchRun(Double.NaN, Double.NaN, 40, 8, Double.NaN);
        assertEquals("| 1 | – | – | 40.00 | 8.00 | – | – | 5.0x |", unmeasured.row("1"));
        assertEquals("| median | – | – | 40.00 | 8.00 | – | – | 5.0x |", BenchRun.medianRow(List.of(unmeasured)));
    }

    @Test
    void bandwidthResultLineRoundTripsAndBadOutputIsNamed() throws IOException {
        MemoryBandwidth.Result r = new MemoryBandwidth.Result(23.5, 28.25, 1 << 20, 2);
        MemoryBandwidth.Result back = IsolatedBandwidth.parse("noise\n" + IsolatedBandwidth.format(r) + "\n");
        assertEquals(r, back);
        IOException none = assertThrows(IOException.class, () -> IsolatedBandwidth.parse("Error: could not find class"));
        assertTrue(none.getMessage().contains("no result line") && none.getMessage().contains("could not find class"),
                none.getMessage());
        assertThrows(IOException.class, () -> IsolatedBandwidth.parse("bandwidth copy=1.0 read=2.0"));
    }

    @Test
    void bandwidthIsMeasuredInAChildJvm() throws IOException {
        MemoryBandwidth.Result r = IsolatedBandwidth.measure(16L << 20, 1);
        assertTrue(r.copyGBps() > 0 && r.readGBps() > 0, r.toString());
        assertEquals(Runtime.getRuntime().availableProcessors(), r.threads());
    }
}
