package org.example.kvplugin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.PolicyPlugins;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.trace.AttentionEvidence;
import org.kvscope.trace.EvidenceCollector;

/**
 * The jar this build packaged, loaded the way kvscope loads plugins ({@code --plugins DIR},
 * {@code ~/.kvscope/plugins}): {@link PolicyPlugins} finds {@code window-max} in it and the policy
 * selects. Runs in the package phase (the {@code packaged-jar} execution in this module's pom),
 * with this module's classes off the class path so that only the jar can provide them.
 */
class PackagedJarTest {
    static final String JAR = "kvscope.example.jar";

    @TempDir
    Path plugins;

    @Test
    void kvscopesPluginLoaderFindsAndRunsThePolicyInTheBuiltJar() throws Exception {
        assumeTrue(System.getProperty(JAR) != null, "runs in the package phase, on the jar just built");
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.example.kvplugin.WindowMaxPolicy"),
                "the example's classes must come from the jar only");
        Path jar = Path.of(System.getProperty(JAR));
        Files.copy(jar, plugins.resolve(jar.getFileName()));

        PolicyPlugins.Report report = PolicyPlugins.load(plugins);
        assertEquals(List.of(), report.problems());
        assertEquals(List.of("window-max"), report.policies());
        PolicyRegistry.Entry entry = PolicyRegistry.entry("window-max");
        assertEquals(jar.getFileName().toString(), entry.origin());
        assertTrue(entry.parameters().stream().anyMatch(p -> p.name().equals("window")), "declared parameters");

        int layers = 2, heads = 2, n = 24, window = 4;
        AttentionEvidence ev = new AttentionEvidence(layers, heads, 1, n, window);
        EvidenceCollector c = new EvidenceCollector(ev);
        int[] positions = java.util.stream.IntStream.range(0, n).toArray();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < n; q++) {
                    float[] w = new float[q + 1];
                    w[q % 7 == 0 ? 0 : q % 7] = 1f; // each query attends to one position: 0..6
                    c.onAttention(l, h, q, positions, w, q + 1);
                }
            }
        }
        CompressionPolicy policy = PolicyRegistry.create("window-max", Map.of("budget", 8, "window", window));
        KeptPositions kept = policy.checkedSelectAfterPrefill(
                new CompressionPolicy.PrefillContext(layers, heads, 1, n, 64, ev));
        // the window's queries 20..23 attend to positions 6, 0, 1, 2: those four fill the budget beside the window
        assertArrayEquals(new int[] {0, 1, 2, 6, 20, 21, 22, 23}, kept.of(0, 0));
        assertEquals(8, kept.of(1, 0).length);
    }
}
