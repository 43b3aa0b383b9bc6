package org.kvscope.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** Vocabulary bookkeeping, special-token splitting and decoding shared by both tokenizer kinds. */
abstract sealed class AbstractTokenizer implements Tokenizer permits SentencePieceTokenizer, ByteLevelBpeTokenizer {

    protected final TokenizerSpec spec;
    protected final String[] tokens;
    protected final TokenType[] types;
    /** Piece → id (first id wins when a piece repeats). */
    protected final StringIds ids;
    private final SpecialTokenMatcher literalSpecials;

    protected AbstractTokenizer(TokenizerSpec spec) {
        this.spec = spec;
        this.tokens = spec.tokens();
        this.types = new TokenType[tokens.length];
        this.ids = new StringIds(tokens);
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            types[i] = spec.typeOf(i);
            if (types[i] == TokenType.CONTROL || types[i] == TokenType.USER_DEFINED) {
                specials.putIfAbsent(tokens[i], i);
            }
        }
        this.literalSpecials = new SpecialTokenMatcher(specials);
    }

    /** Appends the ids for a fragment of plain text; {@code afterSpecial} is true at the start and after a special token. */
    protected abstract void encodePlain(String text, boolean afterSpecial, IntList out);

    /** Appends the bytes that token {@code token} contributes after {@code previous} (-1 at the start). */
    protected abstract void appendBytes(int previous, int token, ByteArrayOutputStream out);

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text to encode must not be null");
        }
        IntList out = new IntList(text.length() / 2 + 4);
        boolean afterSpecial = true;
        List<SpecialTokenMatcher.Fragment> fragments = literalSpecials.split(text);
        for (SpecialTokenMatcher.Fragment f : fragments) {
            if (f.isSpecial()) {
                out.add(f.tokenId());
                afterSpecial = true;
            } else {
                encodePlain(f.text(), afterSpecial, out);
                afterSpecial = false;
            }
        }
        return out.toArray();
    }

    @Override
    public int[] encodeWithSpecials(String text) {
        int[] body = encode(text);
        boolean bos = spec.addBos() && spec.bosId() >= 0;
        boolean eos = spec.addEos() && spec.eosId() >= 0;
        int[] out = new int[body.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
        if (bos) {
            out[0] = spec.bosId();
        }
        System.arraycopy(body, 0, out, bos ? 1 : 0, body.length);
        if (eos) {
            out[out.length - 1] = spec.eosId();
        }
        return out;
    }

    @Override
    public String decode(int[] tokenIds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokenIds.length * 4);
        int previous = -1;
        for (int t : tokenIds) {
            checkId(t);
            appendBytes(previous, t, out);
            previous = t;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String decodeToken(int previous, int token) {
        return new String(pieceBytes(previous, token), StandardCharsets.UTF_8);
    }

    /** Raw bytes of {@code token} following {@code previous} (-1 for none), possibly an incomplete UTF-8 sequence. */
    byte[] pieceBytes(int previous, int token) {
        if (previous != -1) {
            checkId(previous);
        }
        checkId(token);
        ByteArrayOutputStream out = new ByteArrayOutputStream(16);
        appendBytes(previous, token, out);
        return out.toByteArray();
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        return tokens[id];
    }

    @Override
    public OptionalInt bos() {
        return spec.bosId() >= 0 ? OptionalInt.of(spec.bosId()) : OptionalInt.empty();
    }

    @Override
    public OptionalInt eos() {
        return spec.eosId() >= 0 ? OptionalInt.of(spec.eosId()) : OptionalInt.empty();
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        return types[id] != TokenType.NORMAL && types[id] != TokenType.BYTE;
    }

    /** True for tokens that input text can spell literally and that reset the SentencePiece space rule. */
    protected boolean isLiteralSpecial(int id) {
        return types[id] == TokenType.CONTROL || types[id] == TokenType.USER_DEFINED;
    }

    @Override
    public TokenizerSpec spec() {
        return spec;
    }

    protected final void checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + tokens.length + ")");
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[model=" + spec.model() + ", pre=" + spec.pre() + ", vocab=" + tokens.length + "]";
    }

    /** Minimal growable int array. */
    static final class IntList {
        private int[] data;
        private int size;

        IntList(int capacity) {
            data = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        void addAll(int[] vs) {
            for (int v : vs) {
                add(v);
            }
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
