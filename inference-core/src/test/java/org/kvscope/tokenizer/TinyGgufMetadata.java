package org.kvscope.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only reader of GGUF key/value metadata, producing the Java value mapping the tokenizer factory expects. */
final class TinyGgufMetadata {
    private TinyGgufMetadata() {}

    static Map<String, Object> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) {
            throw new IOException(file + " is not a GGUF file");
        }
        b.getInt(); // version
        b.getLong(); // tensor count
        long kvCount = b.getLong();
        Map<String, Object> md = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string(b);
            md.put(key, value(b, b.getInt()));
        }
        return md;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[(int) b.getLong()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) {
        return switch (type) {
            case 0 -> (int) (b.get() & 0xFF);
            case 1 -> (int) b.get();
            case 2 -> b.getShort() & 0xFFFF;
            case 3 -> (int) b.getShort();
            case 4 -> b.getInt() & 0xFFFFFFFFL;
            case 5 -> b.getInt();
            case 6 -> b.getFloat();
            case 7 -> b.get() != 0;
            case 8 -> string(b);
            case 9 -> array(b);
            case 10, 11 -> b.getLong();
            case 12 -> b.getDouble();
            default -> throw new IllegalArgumentException("unknown GGUF value type " + type);
        };
    }

    private static Object array(ByteBuffer b) {
        int type = b.getInt();
        int n = (int) b.getLong();
        switch (type) {
            case 8 -> {
                String[] out = new String[n];
                for (int i = 0; i < n; i++) {
                    out[i] = string(b);
                }
                return out;
            }
            case 6 -> {
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    out[i] = b.getFloat();
                }
                return out;
            }
            case 4, 5 -> {
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt();
                }
                return out;
            }
            default -> {
                Object[] out = new Object[n];
                for (int i = 0; i < n; i++) {
                    out[i] = value(b, type);
                }
                return out;
            }
        }
    }
}
