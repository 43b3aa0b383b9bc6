package org.kvscope.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;

/**
 * SentencePiece BPE as llama models use it: spaces become "▁" (with a dummy prefix), text is split
 * into characters, and adjacent pieces are merged highest-score first while the merged piece is in
 * the vocabulary; characters not in the vocabulary fall back to byte tokens {@code <0xAB>}.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    private static final String SPACE = "▁";
    private final TokenizerSpec spec;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int[] byteTokens = new int[256];
    private final List<String> specials = new ArrayList<>();
    private final boolean addSpacePrefix;

    public SentencePieceTokenizer(TokenizerSpec spec, boolean addSpacePrefix) {
        this.spec = spec;
        this.addSpacePrefix = addSpacePrefix;
        java.util.Arrays.fill(byteTokens, -1);
        String[] tokens = spec.tokens();
        for (int i = 0; i < tokens.length; i++) {
            ids.putIfAbsent(tokens[i], i);
            String t = tokens[i];
            if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
                try {
                    byteTokens[Integer.parseInt(t.substring(3, 5), 16)] = i;
                } catch (NumberFormatException ignored) {
                    // an ordinary token that looks like a byte token
                }
            }
            int type = type(i);
            if ((type == TokenizerSpec.CONTROL || type == TokenizerSpec.USER_DEFINED) && !t.isEmpty()) {
                specials.add(t);
            }
        }
        specials.sort((a, b) -> b.length() - a.length());
    }

    private int type(int id) {
        int[] types = spec.tokenTypes();
        return types == null || id >= types.length ? TokenizerSpec.NORMAL : types[id];
    }

    private float score(int id) {
        float[] s = spec.scores();
        return s == null ? 0f : s[id];
    }

    @Override public int vocabSize() { return spec.tokens().length; }

    @Override public TokenizerSpec spec() { return spec; }

    @Override public OptionalInt bos() { return spec.bosId() >= 0 ? OptionalInt.of(spec.bosId()) : OptionalInt.empty(); }

    @Override public OptionalInt eos() { return spec.eosId() >= 0 ? OptionalInt.of(spec.eosId()) : OptionalInt.empty(); }

    @Override
    public boolean isSpecial(int id) {
        int t = type(id);
        return t == TokenizerSpec.CONTROL || t == TokenizerSpec.UNUSED || id == spec.bosId() || id == spec.eosId();
    }

    @Override public String tokenText(int id) { return spec.tokens()[id]; }

    @Override
    public int[] encodeWithSpecials(String text) {
        int[] body = encode(text);
        int extra = (spec.addBos() && spec.bosId() >= 0 ? 1 : 0) + (spec.addEos() && spec.eosId() >= 0 ? 1 : 0);
        int[] out = new int[body.length + extra];
        int k = 0;
        if (spec.addBos() && spec.bosId() >= 0) {
            out[k++] = spec.bosId();
        }
        System.arraycopy(body, 0, out, k, body.length);
        if (spec.addEos() && spec.eosId() >= 0) {
            out[out.length - 1] = spec.eosId();
        }
        return out;
    }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        int start = 0;
        boolean first = true;
        while (start < text.length()) {
            int at = -1;
            String match = null;
            for (int i = start; i < text.length() && at < 0; i++) {
                for (String s : specials) {
                    if (text.startsWith(s, i)) {
                        at = i;
                        match = s;
                        break;
                    }
                }
            }
            int end = at < 0 ? text.length() : at;
            if (end > start) {
                encodeSegment(text.substring(start, end), first, out);
            }
            if (match != null) {
                out.add(ids.get(match));
                start = at + match.length();
            } else {
                start = end;
            }
            first = false;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeSegment(String text, boolean atStart, List<Integer> out) {
        String s = text.replace(" ", SPACE);
        if (addSpacePrefix && atStart) {
            s = SPACE + s;
        }
        // symbols: one per code point, as a doubly linked list
        List<String> symbols = new ArrayList<>();
        s.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        int n = symbols.size();
        String[] text0 = symbols.toArray(String[]::new);
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        record Pair(int left, int right, float score, String merged) {}
        PriorityQueue<Pair> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        java.util.function.BiConsumer<Integer, Integer> offer = (l, r) -> {
            if (l < 0 || r < 0) {
                return;
            }
            String merged = text0[l] + text0[r];
            Integer id = ids.get(merged);
            if (id != null && type(id) == TokenizerSpec.NORMAL) {
                queue.add(new Pair(l, r, score(id), merged));
            }
        };
        for (int i = 0; i + 1 < n; i++) {
            offer.accept(i, i + 1);
        }
        while (!queue.isEmpty()) {
            Pair p = queue.poll();
            if (text0[p.left] == null || text0[p.right] == null || next[p.left] != p.right
                    || !(text0[p.left] + text0[p.right]).equals(p.merged)) {
                continue; // stale
            }
            text0[p.left] = p.merged;
            text0[p.right] = null;
            next[p.left] = next[p.right];
            if (next[p.right] >= 0) {
                prev[next[p.right]] = p.left;
            }
            offer.accept(prev[p.left], p.left);
            offer.accept(p.left, next[p.left]);
        }
        for (int i = 0; i >= 0 && i < n; i = next[i]) {
            Integer id = ids.get(text0[i]);
            if (id != null) {
                out.add(id);
            } else {
                for (byte b : text0[i].getBytes(StandardCharsets.UTF_8)) {
                    int t = byteTokens[b & 0xFF];
                    out.add(t >= 0 ? t : Math.max(0, spec.unkId()));
                }
            }
        }
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean first = true;
        for (int t : tokens) {
            if (isSpecial(t)) {
                continue;
            }
            byte[] piece = pieceBytes(t);
            if (first && addSpacePrefix && piece.length > 0 && piece[0] == ' ') {
                piece = java.util.Arrays.copyOfRange(piece, 1, piece.length);
            }
            first = false;
            bytes.writeBytes(piece);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String decodeToken(int previous, int token) {
        if (isSpecial(token)) {
            return "";
        }
        byte[] piece = pieceBytes(token);
        if (previous == spec.bosId() && piece.length > 0 && piece[0] == ' ') {
            piece = java.util.Arrays.copyOfRange(piece, 1, piece.length);
        }
        return new String(piece, StandardCharsets.UTF_8);
    }

    private byte[] pieceBytes(int t) {
        String p = spec.tokens()[t];
        if (type(t) == TokenizerSpec.BYTE || (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")
                && byteTokens[Integer.parseInt(p.substring(3, 5), 16)] == t)) {
            return new byte[] {(byte) Integer.parseInt(p.substring(3, 5), 16)};
        }
        return p.replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
    }
}
