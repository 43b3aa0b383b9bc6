package org.kvscope.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated tokenizer files, valid and broken. */
class TokenizerFileErrorTest {

    @TempDir
    Path dir;

    /** A llama2.c tokenizer.bin with the given pieces and scores. */
    private static byte[] llama2cBin(String[] pieces, float[] scores) {
        int size = 4;
        for (String p : pieces) {
            size += 8 + p.getBytes(StandardCharsets.UTF_8).length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(16);
        for (int i = 0; i < pieces.length; i++) {
            byte[] bytes = pieces[i].getBytes(StandardCharsets.UTF_8);
            b.putFloat(scores[i]).putInt(bytes.length).put(bytes);
        }
        return b.array();
    }

    private static final String[] PIECES = {"<unk>", "\n<s>\n", "\n</s>\n", " ", "a", "b", " a", "ab", " ab"};
    private static final float[] SCORES = {0, 0, 0, -1, -2, -3, -4, -5, -6};

    @Test
    void generatedLlama2cBinEncodes() throws IOException {
        Path f = Files.write(dir.resolve("tok.bin"), llama2cBin(PIECES, SCORES));
        Tokenizer tok = Tokenizers.fromLlama2cBin(f);
        assertEquals("▁ab", tok.tokenText(8));
        assertEquals("</s>", tok.tokenText(2));
        // "▁ab ab" → ▁a (-4) beats ab (-5) → ▁a b ▁a b → ▁ab (-6) → [▁ab, ▁ab]
        assertArrayEquals(new int[] {8, 8}, tok.encode("ab ab"));
        assertEquals("ab ab", tok.decode(tok.encode("ab ab")));
    }

    @Test
    void truncatedLlama2cBinIsRejected() throws IOException {
        byte[] full = llama2cBin(PIECES, SCORES);
        Path f = Files.write(dir.resolve("tok.bin"), Arrays.copyOf(full, full.length - 1));
        var ex = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromLlama2cBin(f));
        assertTrue(ex.getMessage().contains("truncated llama2.c tokenizer: token 8"), ex.getMessage());
        Path tiny = Files.write(dir.resolve("tiny.bin"), new byte[] {1, 0});
        var ex2 = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromLlama2cBin(tiny));
        assertTrue(ex2.getMessage().contains("header needs 4"), ex2.getMessage());
    }

    @Test
    void truncatedRealTok512IsRejected() throws IOException {
        byte[] real = Files.readAllBytes(SentencePieceTokenizerTest.shared("tok512.bin"));
        Path f = Files.write(dir.resolve("tok512.bin"), Arrays.copyOf(real, real.length / 2));
        var ex = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromLlama2cBin(f));
        assertTrue(ex.getMessage().startsWith(f + ": truncated llama2.c tokenizer"), ex.getMessage());
    }

    @Test
    void corruptProtobufIsRejected() throws IOException {
        byte[] real = Files.readAllBytes(SentencePieceTokenizerTest.shared("llama2_tokenizer.model"));
        Path cut = Files.write(dir.resolve("cut.model"), Arrays.copyOf(real, 1000));
        var ex = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSentencePieceModel(cut));
        assertTrue(ex.getMessage().contains("corrupt protobuf"), ex.getMessage());
        Path garbage = Files.write(dir.resolve("garbage.model"), new byte[] {(byte) 0xFF, (byte) 0xFF, 0x07});
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSentencePieceModel(garbage));
        Path empty = Files.write(dir.resolve("empty.model"), new byte[0]);
        var ex3 = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromSentencePieceModel(empty));
        assertTrue(ex3.getMessage().contains("no pieces"), ex3.getMessage());
    }

    @Test
    void generatedSentencePieceModelIsRead() throws IOException {
        // ModelProto { pieces { piece "<unk>" type UNKNOWN } pieces { piece "<s>" type CONTROL } pieces { piece "▁hi" score -1 }
        //              trainer_spec { unk_id 0 bos_id 1 eos_id -1 } normalizer_spec { add_dummy_prefix true } }
        var out = new java.io.ByteArrayOutputStream();
        writePiece(out, "<unk>", 0f, 2);
        writePiece(out, "<s>", 0f, 3);
        writePiece(out, "▁hi", -1f, 1);
        writePiece(out, "hi", -2f, 1);
        writePiece(out, "i", -3f, 1);
        writePiece(out, "▁", -4f, 1);
        byte[] trainer = {(byte) 0xC0, 0x02, 0x00, (byte) 0xC8, 0x02, 0x01, (byte) 0xD0, 0x02,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
        out.write(0x12);
        out.write(trainer.length);
        out.writeBytes(trainer);
        Path f = Files.write(dir.resolve("t.model"), out.toByteArray());
        Tokenizer tok = Tokenizers.fromSentencePieceModel(f);
        assertEquals(6, tok.vocabSize());
        assertTrue(tok.eos().isEmpty(), "eos_id -1 means none");
        assertArrayEquals(new int[] {1, 2}, tok.encodeWithSpecials("hi"));
        assertEquals(-1f, tok.spec().scores()[2]);
    }

    private static void writePiece(java.io.ByteArrayOutputStream out, String piece, float score, int type) {
        byte[] text = piece.getBytes(StandardCharsets.UTF_8);
        var msg = new java.io.ByteArrayOutputStream();
        msg.write(0x0A);
        msg.write(text.length);
        msg.writeBytes(text);
        msg.write(0x15);
        int bits = Float.floatToIntBits(score);
        for (int i = 0; i < 4; i++) {
            msg.write(bits >>> (8 * i));
        }
        msg.write(0x18);
        msg.write(type);
        out.write(0x0A);
        out.write(msg.size());
        out.writeBytes(msg.toByteArray());
    }

    @Test
    void huggingFaceJsonWithoutModelIsRejected() throws IOException {
        Path f = Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": []}");
        var ex = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromHuggingFaceJson(f));
        assertTrue(ex.getMessage().endsWith("tokenizer.json has no \"model\" object"), ex.getMessage());
        Path broken = Files.writeString(dir.resolve("broken.tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0,}}}");
        var ex2 = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromHuggingFaceJson(broken));
        assertTrue(ex2.getMessage().contains("invalid JSON at line 1"), ex2.getMessage());
        Path wordPiece = Files.writeString(dir.resolve("wp.tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        var ex3 = assertThrows(IllegalArgumentException.class, () -> Tokenizers.fromHuggingFaceJson(wordPiece));
        assertTrue(ex3.getMessage().contains("'WordPiece' is not supported"), ex3.getMessage());
    }

    @Test
    void generatedHuggingFaceJsonWithTemplateAndArrayMerges() throws IOException {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            String c = String.valueOf(ByteLevelAlphabet.charOf(b));
            String escaped = c.equals("\"") ? "\\\"" : c.equals("\\") ? "\\\\" : c;
            vocab.append('"').append(escaped).append("\": ").append(b).append(", ");
        }
        vocab.append("\"he\": 256, \"Ġhe\": 257");
        String json = "{\"added_tokens\": [{\"id\": 258, \"content\": \"<|bos|>\", \"special\": true}],"
                + " \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\":"
                + " \"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+\"},"
                + " \"behavior\": \"Isolated\"}, {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]},"
                + " \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"<|bos|>\", \"type_id\": 0}},"
                + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}]},"
                + " \"model\": {\"type\": \"BPE\", \"vocab\": {" + vocab + "}, \"merges\": [[\"h\", \"e\"], [\"Ġ\", \"he\"]]}}";
        Path f = Files.writeString(dir.resolve("gen.tokenizer.json"), json);
        Tokenizer tok = Tokenizers.fromHuggingFaceJson(f);
        assertEquals("llama-bpe", tok.spec().pre());
        assertEquals(258, tok.bos().orElseThrow());
        assertArrayEquals(new int[] {258, 256, 257}, tok.encodeWithSpecials("he he"));
    }
}
