package org.kvscope.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmarks are generated and runnable: one tiny in-process iteration of the Q8_0 matvec and
 * of the tile transpose (no fork, no warm-up, 50 ms). Not a measurement.
 */
class BenchmarksSmokeTest {

    @Test
    void oneShortIterationOfTwoBenchmarksRunsAndCountsTheirTraffic() throws Exception {
        Options options = new OptionsBuilder()
                .include(Q8_0MatvecBenchmark.class.getSimpleName() + "|" + TileTransposeBenchmark.class.getSimpleName())
                .param("rows", "256")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50))
                .threads(1)
                .shouldFailOnError(true)
                .verbosity(org.openjdk.jmh.runner.options.VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        assertEquals(2, results.size());
        for (RunResult r : results) {
            assertTrue(r.getPrimaryResult().getScore() > 0, r.getParams().getBenchmark());
            String counter = r.getParams().getBenchmark().contains("Matvec") ? "bytes" : "values";
            assertTrue(r.getSecondaryResults().get(counter).getScore() > 0, counter + " of " + r.getParams().getBenchmark());
        }
    }
}
