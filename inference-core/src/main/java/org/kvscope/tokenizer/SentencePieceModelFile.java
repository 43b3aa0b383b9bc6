package org.kvscope.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kvscope.gguf.FileErrors;

/**
 * Reader for SentencePiece {@code tokenizer.model} files (ModelProto): pieces (piece, score, type),
 * trainer_spec ids (unk/bos/eos) and normalizer_spec's add_dummy_prefix.
 */
record SentencePieceModelFile(TokenizerSpec spec, boolean addDummyPrefix) {

    // ModelProto fields
    private static final int PIECES = 1;
    private static final int TRAINER_SPEC = 2;
    private static final int NORMALIZER_SPEC = 3;
    // SentencePiece fields
    private static final int PIECE = 1;
    private static final int SCORE = 2;
    private static final int TYPE = 3;
    // TrainerSpec fields
    private static final int UNK_ID = 40;
    private static final int BOS_ID = 41;
    private static final int EOS_ID = 42;
    // NormalizerSpec fields
    private static final int ADD_DUMMY_PREFIX = 3;

    static SentencePieceModelFile read(Path file) throws IOException {
        try {
            return parse(FileErrors.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static SentencePieceModelFile parse(byte[] data) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        long unk = 0;
        long bos = 1;
        long eos = 2;
        boolean dummyPrefix = true;
        ProtobufReader r = new ProtobufReader(data);
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case PIECES -> {
                    r.expect(tag, ProtobufReader.LENGTH_DELIMITED, "pieces");
                    readPiece(r.readMessage(), pieces, scores, types);
                }
                case TRAINER_SPEC -> {
                    r.expect(tag, ProtobufReader.LENGTH_DELIMITED, "trainer_spec");
                    ProtobufReader t = r.readMessage();
                    while (t.hasMore()) {
                        int ttag = t.readTag();
                        int field = ttag >>> 3;
                        if ((field == UNK_ID || field == BOS_ID || field == EOS_ID) && (ttag & 7) == ProtobufReader.VARINT) {
                            long v = (int) t.readVarint(); // int32: negative values arrive as 64-bit two's complement
                            if (field == UNK_ID) {
                                unk = v;
                            } else if (field == BOS_ID) {
                                bos = v;
                            } else {
                                eos = v;
                            }
                        } else {
                            t.skip(ttag & 7);
                        }
                    }
                }
                case NORMALIZER_SPEC -> {
                    r.expect(tag, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec");
                    ProtobufReader n = r.readMessage();
                    while (n.hasMore()) {
                        int ntag = n.readTag();
                        if ((ntag >>> 3) == ADD_DUMMY_PREFIX && (ntag & 7) == ProtobufReader.VARINT) {
                            dummyPrefix = n.readVarint() != 0;
                        } else {
                            n.skip(ntag & 7);
                        }
                    }
                }
                default -> r.skip(tag & 7);
            }
        }
        if (pieces.isEmpty()) {
            throw new IllegalArgumentException("SentencePiece model has no pieces (is this a tokenizer.model file?)");
        }
        int size = pieces.size();
        float[] scoreArray = new float[size];
        int[] typeArray = new int[size];
        for (int i = 0; i < size; i++) {
            scoreArray[i] = scores.get(i);
            typeArray[i] = types.get(i);
        }
        TokenizerSpec spec = new TokenizerSpec(TokenizerSpec.LLAMA, null, pieces.toArray(new String[0]), scoreArray,
                typeArray, null, idOrNone(bos, size), idOrNone(eos, size), idOrNone(unk, size), true, false);
        return new SentencePieceModelFile(spec, dummyPrefix);
    }

    private static int idOrNone(long id, int size) {
        return id >= 0 && id < size ? (int) id : -1;
    }

    private static void readPiece(ProtobufReader p, List<String> pieces, List<Float> scores, List<Integer> types) {
        String piece = null;
        float score = 0f;
        int type = TokenType.NORMAL.code();
        while (p.hasMore()) {
            int tag = p.readTag();
            switch (tag >>> 3) {
                case PIECE -> {
                    p.expect(tag, ProtobufReader.LENGTH_DELIMITED, "piece");
                    piece = p.readString();
                }
                case SCORE -> {
                    p.expect(tag, ProtobufReader.FIXED32, "score");
                    score = p.readFloat();
                }
                case TYPE -> {
                    p.expect(tag, ProtobufReader.VARINT, "type");
                    type = TokenType.fromCode((int) p.readVarint()).code();
                }
                default -> p.skip(tag & 7);
            }
        }
        if (piece == null) {
            throw new IllegalArgumentException("SentencePiece entry " + pieces.size() + " has no piece text");
        }
        pieces.add(piece);
        scores.add(score);
        types.add(type);
    }
}
