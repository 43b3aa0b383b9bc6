package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.sampling.Sampler;
import org.kvscope.trace.CaptureOptions;

/** Decode-time evictions recorded while generating, and one token's attention, on a generated model. */
class EvictionTimelineTest {
    @TempDir
    static Path dir;
    static Model model;

    @BeforeAll
    static void load() throws Exception {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, GGMLType.F32, file, 5);
        model = ModelLoader.load(file);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static int[] prompt(int n) {
        return new SplittableRandom(9).ints(n, 0, ModelShape.TINY_LLAMA.vocab).toArray();
    }

    /**
     * StreamingLLM, budget 6 with 2 sinks, 10-token prompt: after prefill 0,1,6..9 stay (2..5 gone);
     * decoding positions 10, 11, 12 each pushes out the oldest non-sink: 6, then 7, then 8.
     */
    @Test
    void streamingLlmByHand() {
        var policy = PolicyRegistry.create("streamingllm", Map.of("budget", 6, "sinks", 2));
        EvictionTimeline t = EvictionTimeline.record(model, prompt(10), policy, 3, () -> false);
        assertEquals(3, t.steps().size());
        int[][] expectedSteps = {{6}, {7}, {8}};
        for (int l = 0; l < t.layers(); l++) {
            for (int h = 0; h < t.kvHeads(); h++) {
                assertArrayEquals(new int[] {2, 3, 4, 5}, t.prefillEvicted()[l][h]);
                for (int s = 0; s < 3; s++) {
                    assertEquals(10 + s, t.steps().get(s).position());
                    assertArrayEquals(expectedSteps[s], t.steps().get(s).evicted()[l][h], "step " + s);
                }
                assertEquals(-1, t.evictedAt(l, h, 3));
                assertEquals(1, t.evictedAt(l, h, 7));
                assertEquals(Integer.MAX_VALUE, t.evictedAt(l, h, 0));
                assertEquals(Integer.MAX_VALUE, t.evictedAt(l, h, 9));
            }
        }
        assertEquals(t.layers() * t.kvHeads(), t.steps().get(0).count());
    }

    @Test
    void recordingDoesNotChangeWhatThePolicyGenerates() {
        int[] p = prompt(40);
        var timeline = EvictionTimeline.record(model, p, PolicyRegistry.create("h2o", Map.of("budget", 16, "recent", 4)),
                8, () -> false);
        InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(p.length + 9));
        s.setPolicy(PolicyRegistry.create("h2o", Map.of("budget", 16, "recent", 4)));
        float[] logits = s.prefill(p);
        for (int i = 0; i < 8; i++) {
            int token = Sampler.argmax(logits);
            assertEquals(token, timeline.steps().get(i).token(), "token " + i);
            logits = s.decode(token);
        }
        for (int l = 0; l < s.cache().layers(); l++) {
            for (int h = 0; h < s.cache().kvHeads(); h++) {
                int[] cached = java.util.Arrays.copyOf(s.cache().positions(l, h), s.cache().size(l, h));
                for (int pos = 0; pos < p.length + 8; pos++) {
                    boolean gone = timeline.evictedAt(l, h, pos) != Integer.MAX_VALUE;
                    assertEquals(gone, java.util.Arrays.binarySearch(cached, pos) < 0, "l" + l + " h" + h + " pos " + pos);
                }
            }
        }
        assertThrows(CancellationException.class, () -> EvictionTimeline.record(model, p,
                PolicyRegistry.create("h2o", Map.of("budget", 16, "recent", 4)), 4, () -> true));
    }

    /**
     * Policies that score from an extra pass (KVzip's reconstruction, DuoAttention's retrieval
     * heads) get it while recorded: the timeline's prefill evictions are the plain session's.
     */
    @Test
    void policiesWithExtraPassesAreRecordedAsTheyRun() {
        int[] p = prompt(24);
        for (var params : java.util.List.of(Map.of("budget", 8), Map.of("budget", 12, "recent", 4, "sinks", 2))) {
            String name = params.size() == 1 ? "kvzip" : "duo-attention";
            var timeline = EvictionTimeline.record(model, p, PolicyRegistry.create(name, params), 2, () -> false);
            InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(p.length + 3));
            s.setPolicy(PolicyRegistry.create(name, params));
            s.prefill(p);
            for (int l = 0; l < s.cache().layers(); l++) {
                for (int h = 0; h < s.cache().kvHeads(); h++) {
                    int[] cached = java.util.Arrays.copyOf(s.cache().positions(l, h), s.cache().size(l, h));
                    int[] gone = java.util.stream.IntStream.range(0, p.length)
                            .filter(pos -> java.util.Arrays.binarySearch(cached, pos) < 0).toArray();
                    assertArrayEquals(gone, timeline.prefillEvicted()[l][h], name + " l" + l + " h" + h);
                }
            }
        }
    }

    @Test
    void tokenAttentionMatchesTheCapturedRows() {
        int[] p = prompt(30);
        CaptureRun run = CaptureRun.run(model, p, new CaptureOptions(8, 8, 2, 0));
        var ev = run.capture().evidence();
        int token = 25; // window rows are queries 22..29
        TokenAttention t = TokenAttention.record(model, p, token);
        for (int l = 0; l < ev.layers(); l++) {
            for (int h = 0; h < ev.heads(); h++) {
                float[] row = ev.row(l, h, token - ev.firstWindowQuery());
                for (int k = 0; k < p.length; k++) {
                    assertEquals(row[k], t.pays()[l][h][k], 1e-6f, "pays l" + l + " h" + h + " k" + k);
                }
                for (int q = ev.firstWindowQuery(); q < p.length; q++) {
                    float want = q < token ? 0f : ev.row(l, h, q - ev.firstWindowQuery())[token];
                    assertEquals(want, t.receives()[l][h][q], 1e-6f, "receives l" + l + " h" + h + " q" + q);
                }
            }
        }
        double[] mean = t.weights(true, -1, -1);
        double want = 0;
        for (int l = 0; l < ev.layers(); l++) {
            for (int h = 0; h < ev.heads(); h++) {
                want += t.pays()[l][h][3];
            }
        }
        assertEquals(want / (ev.layers() * ev.heads()), mean[3], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> TokenAttention.record(model, p, 30));
    }
}
