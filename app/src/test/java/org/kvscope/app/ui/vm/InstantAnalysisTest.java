package org.kvscope.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.app.ui.Workbench;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.metrics.PolicyAnalysis;
import org.kvscope.metrics.PvcOverlap;
import org.kvscope.model.Model;

class InstantAnalysisTest {
    @TempDir Path dir;

    @Test
    void matchesTheEngineAnalysisForEveryPolicy() throws Exception {
        Workbench wb = new Workbench();
        try (Model m = wb.load(Fixtures.tinyModel(dir))) {
            int[] tokens = wb.tokenize(m, "a small model reads a story about a cat and a dog who play in the sun all day");
            var run = wb.capture(m, tokens);
            InstantAnalysis instant = new InstantAnalysis(run.capture(), m.config().headDim());
            List<CompressionPolicy> policies = List.of(
                    PolicyRegistry.create("fullkv", Map.of()),
                    PolicyRegistry.create("streamingllm", Map.of("budget", 12)),
                    PolicyRegistry.create("h2o", Map.of("budget", 16)),
                    PolicyRegistry.create("snapkv", Map.of("budget", 10, "window", 4)),
                    PolicyRegistry.create("pyramidkv", Map.of("budget", 14, "beta", 3.0)),
                    PolicyRegistry.create("pyramidinfer", Map.of("budget", 20)));
            for (CompressionPolicy p : policies) {
                PolicyAnalysis expected = wb.analyze(m, run, p);
                PolicyAnalysis actual = instant.analyze(p, Workbench.analysisContext(run), Workbench.overlapK(p));
                for (int l = 0; l < m.config().layers(); l++) {
                    for (int h = 0; h < m.config().kvHeads(); h++) {
                        assertArrayEquals(expected.kept().of(l, h), actual.kept().of(l, h), p.name());
                    }
                    assertArrayEquals(expected.recall()[l], actual.recall()[l], 1e-12, p.name());
                }
                assertArrayEquals(expected.pvcOverlap(), actual.pvcOverlap(), 1e-12, p.name());
                assertArrayEquals(expected.memory().keptBytesPerLayer(), actual.memory().keptBytesPerLayer());
                assertEquals(expected.recallFromDecode(), actual.recallFromDecode());
            }
            var tooWide = PolicyRegistry.create("snapkv", Map.of("budget", 200, "window", 100));
            assertThrows(IllegalArgumentException.class, () -> instant.analyze(tooWide, 200, 10));
        }
    }

    @Test
    void rankingBreaksTiesTowardsEarlierPositionsLikeTopK() {
        float[] row = {0.1f, 0.3f, 0.3f, 0f, -0f, 0.05f, 0.3f, 0.2f};
        int[] ranked = InstantAnalysis.rankRow(row, row.length);
        assertArrayEquals(new int[] {1, 2, 6, 7, 0, 5, 3, 4}, ranked);
        for (int k = 1; k <= row.length; k++) {
            int[] top = java.util.Arrays.copyOf(ranked, k);
            java.util.Arrays.sort(top);
            assertArrayEquals(PvcOverlap.topK(row, row.length, k), top, "k=" + k);
        }
    }
}
