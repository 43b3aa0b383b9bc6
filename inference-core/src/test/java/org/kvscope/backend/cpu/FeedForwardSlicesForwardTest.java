package org.kvscope.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.KvCache;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;
import org.kvscope.tensor.NativeKernels;
import org.kvscope.tensor.NativeLevels;

/**
 * A batch's feed-forward block in slices of hidden units ({@code CpuForward.slicesFeedForward}, where hb would hold
 * more than {@code ffnFloats}) gives every row's floats of the block at once: logits of every row and the cache, bit for bit,
 * for every weight type, with the native kernels at every level (F32, F16, and BF16 without its tiles, and every type
 * at the scalar level take the Java kernels' slices) and with the java kernels, over calls of several sizes, a
 * one-row call (decode) among them, at this JVM's vector width (the build runs this class at 4, 8 and 16 lanes).
 */
class FeedForwardSlicesForwardTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void slicesGiveTheWholeBlocksFloats(GGMLType type) throws Exception {
        Path file = dir.resolve("slices-" + type + ".gguf");
        SyntheticModelWriter.write(ModelShape.TINY_LLAMA, type, file, 13);
        try (Model model = ModelLoader.load(file)) {
            ModelConfig c = model.config();
            int[] tokens = new SplittableRandom(5).ints(160, 0, c.vocabSize()).toArray();
            List<String> runs = new ArrayList<>(List.of("java"));
            if (NativeKernels.available()) {
                int best = NativeLevels.limit(Integer.MAX_VALUE);
                for (int level = 1; level <= best; level++) {
                    runs.add("native " + level);
                }
            }
            try {
                for (String run : runs) {
                    NativeKernels.use(run.startsWith("native") ? "native" : "java");
                    if (run.startsWith("native")) {
                        NativeLevels.limit(Integer.parseInt(run.substring(7)));
                    }
                    compare(model, c, tokens, type + ", " + run);
                }
            } finally {
                NativeKernels.use("native");
                if (NativeKernels.available()) {
                    NativeLevels.limit(Integer.MAX_VALUE);
                }
            }
        }
    }

    private static void compare(Model model, ModelConfig c, int[] tokens, String where) {
        CpuForward whole = new CpuForward(c, model.weights(), false);
        CpuForward slices = new CpuForward(c, model.weights(), false).feedForwardFloats(16 * c.ffnDim());
        assertFalse(whole.slicesFeedForward(102), where);
        assertTrue(slices.slicesFeedForward(17), where + ": all native or all Java products");
        assertFalse(slices.slicesFeedForward(16), where + ": hb of 16 rows within the floats given");
        assertFalse(slices.slicesFeedForward(1), where);
        KvCache a = KvCacheType.F16.newCache(c.layers(), c.kvHeads(), c.headDim(), 160);
        KvCache b = KvCacheType.F16.newCache(c.layers(), c.kvHeads(), c.headDim(), 160);
        for (int[] call : new int[][] {{0, 102}, {102, 1}, {103, 37}, {140, 16}, {156, 4}}) {
            List<float[]> want = new ArrayList<>(), got = new ArrayList<>();
            whole.forward(tokens, call[0], call[1], call[0], a, null, null, true,
                    (row, v, o) -> want.add(Arrays.copyOfRange(v, o, o + c.vocabSize())));
            slices.forward(tokens, call[0], call[1], call[0], b, null, null, true,
                    (row, v, o) -> got.add(Arrays.copyOfRange(v, o, o + c.vocabSize())));
            assertEquals(call[1], got.size());
            for (int r = 0; r < got.size(); r++) {
                assertArrayEquals(want.get(r), got.get(r), where + ", rows from " + call[0] + ": logits of row " + r);
            }
        }
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.kvHeads(); h++) {
                int n = a.size(l, h), hd = c.headDim();
                float[] ka = new float[n * hd], kb = new float[n * hd], va = new float[n * hd], vb = new float[n * hd];
                a.readKeys(l, h, 0, n, ka, 0);
                b.readKeys(l, h, 0, n, kb, 0);
                a.readValues(l, h, 0, n, va, 0);
                b.readValues(l, h, 0, n, vb, 0);
                assertArrayEquals(ka, kb, where + ": keys of layer " + l + " head " + h);
                assertArrayEquals(va, vb, where + ": values of layer " + l + " head " + h);
            }
        }
    }
}
