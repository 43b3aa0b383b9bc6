package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kvscope.model.Model;

/** decode(token, logits): the same logits as decode(token), written into the caller's array. */
class DecodeIntoArrayTest {
    @TempDir
    Path dir;

    @Test
    void fillsTheGivenArrayWithDecodesLogits() throws Exception {
        try (Model model = TinyModel.load(dir);
             InferenceSession fresh = new InferenceSession(model, SessionOptions.ofContext(64));
             InferenceSession reused = new InferenceSession(model, SessionOptions.ofContext(64))) {
            int vocab = model.config().vocabSize();
            int[] prompt = TinyModel.prompt(12);
            fresh.prefill(prompt);
            reused.prefill(prompt);
            float[] into = new float[vocab + 3];
            Arrays.fill(into, 7f);
            for (int step = 0; step < 5; step++) {
                int token = prompt[step];
                float[] expected = fresh.decode(token);
                assertSame(into, reused.decode(token, into));
                assertArrayEquals(expected, Arrays.copyOf(into, vocab), "step " + step);
                assertEquals(7f, into[vocab + 2], "past the vocabulary untouched");
            }
            assertEquals(fresh.position(), reused.position());
        }
    }

    @Test
    void refusesAnArrayShorterThanTheVocabulary() throws Exception {
        try (Model model = TinyModel.load(dir);
             InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(16))) {
            int vocab = model.config().vocabSize();
            var e = assertThrows(IllegalArgumentException.class, () -> s.decode(1, new float[vocab - 1]));
            assertEquals("logits array of " + (vocab - 1) + " floats is shorter than the " + vocab
                    + "-token vocabulary", e.getMessage());
            assertEquals(0, s.position(), "nothing ran");
        }
    }
}
