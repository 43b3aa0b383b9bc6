package org.kvscope.tokenizer;

import java.util.OptionalInt;

/** Text ↔ token ids for a model's vocabulary. */
public interface Tokenizer {
    int vocabSize();

    /** Plain text to ids, without BOS/EOS; literal special tokens in the text are matched whole. */
    int[] encode(String text);

    /** Like {@link #encode} plus BOS (and EOS) where the model's metadata asks for them. */
    int[] encodeWithSpecials(String text);

    /** Full text of a token sequence (special tokens omitted). */
    String decode(int[] tokens);

    /** Text to print for {@code token} when it follows {@code previous} in a stream. */
    String decodeToken(int previous, int token);

    /** Display form of a token's raw piece (e.g. "▁the", "&lt;0x0A&gt;"). */
    String tokenText(int id);

    OptionalInt bos();

    OptionalInt eos();

    /** True for control tokens (BOS, EOS, padding, chat markers). */
    boolean isSpecial(int id);

    /** Data needed to write this tokenizer into a GGUF file. */
    TokenizerSpec spec();
}
