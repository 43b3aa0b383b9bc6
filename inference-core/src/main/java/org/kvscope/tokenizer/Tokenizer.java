package org.kvscope.tokenizer;

import java.util.OptionalInt;

/**
 * Converts text to token ids and back. Implementations are immutable and thread-safe.
 * Obtain one through {@link Tokenizers}.
 */
public interface Tokenizer {

    /** Number of entries in the vocabulary (valid ids are {@code 0 .. vocabSize()-1}). */
    int vocabSize();

    /**
     * Plain text to ids, without BOS/EOS. Literal special tokens in the text (CONTROL and
     * USER_DEFINED entries such as {@code "<|im_start|>"} or {@code "<s>"}) are matched whole.
     */
    int[] encode(String text);

    /** Like {@link #encode} but adds BOS and/or EOS when the model's metadata asks for them. */
    int[] encodeWithSpecials(String text);

    /** Full text of a token sequence; byte tokens are assembled into UTF-8 across token boundaries. */
    String decode(int[] tokens);

    /**
     * Streaming piece for {@code token} given the token before it ({@code -1} when there is none).
     * SentencePiece tokenizers drop the leading space of a piece at the start and after BOS or another
     * special token. A byte token that is not a complete UTF-8 character on its own decodes to U+FFFD;
     * use {@link TokenStreamDecoder} to assemble multi-byte characters while streaming.
     */
    String decodeToken(int previous, int token);

    /** Display form of the raw vocabulary piece, e.g. {@code "▁the"}, {@code "<0x0A>"}, {@code "Ġthe"}. */
    String tokenText(int id);

    /** Beginning-of-sequence id, if the model has one. */
    OptionalInt bos();

    /** End-of-sequence id, if the model has one. */
    OptionalInt eos();

    /** True for control, user-defined, unknown and unused entries (anything that is not ordinary text or a byte). */
    boolean isSpecial(int id);

    /** The data needed to write this tokenizer back into a GGUF file. */
    TokenizerSpec spec();
}
