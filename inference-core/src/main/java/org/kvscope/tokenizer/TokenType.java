package org.kvscope.tokenizer;

/** Token kinds with the numeric codes used by SentencePiece and GGUF {@code tokenizer.ggml.token_type}. */
public enum TokenType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The numeric code stored in model files. */
    public int code() {
        return code;
    }

    /** The type for a numeric code; 0 (undefined in some converters) is treated as NORMAL. */
    public static TokenType fromCode(int code) {
        if (code == 0) {
            return NORMAL;
        }
        for (TokenType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown token type code " + code + " (valid: 1..6)");
    }
}
