package org.kvscope.gguf;

import java.lang.reflect.Array;
import java.util.Map;

/** Human-readable summary of a GGUF file: header, metadata (arrays abbreviated), tensor table. */
public final class GGUFDump {
    private GGUFDump() {}

    public static String describe(GGUFFile f, int maxArrayItems) {
        StringBuilder sb = new StringBuilder();
        sb.append(f.path().getFileName()).append(": GGUF v").append(f.version()).append(", ")
                .append(f.fileSize()).append(" bytes, alignment ").append(f.alignment()).append(", ")
                .append(f.metadata().asMap().size()).append(" metadata entries, ").append(f.tensors().size())
                .append(" tensors\n\nmetadata:\n");
        for (Map.Entry<String, Object> e : f.metadata().asMap().entrySet()) {
            sb.append("  ").append(e.getKey()).append(" = ").append(value(e.getValue(), maxArrayItems)).append('\n');
        }
        sb.append("\ntensors:\n");
        long total = 0;
        for (GGUFTensorInfo t : f.tensors()) {
            sb.append(String.format("  %-32s %-5s %-22s %,14d bytes%n", t.name(), t.type(),
                    java.util.Arrays.toString(t.shape()), t.byteSize()));
            total += t.byteSize();
        }
        sb.append(String.format("  total tensor data: %,d bytes", total));
        return sb.toString();
    }

    private static String value(Object v, int maxItems) {
        if (v == null || !v.getClass().isArray()) {
            return v instanceof String s ? '"' + abbreviate(s, 120) + '"' : String.valueOf(v);
        }
        int n = Array.getLength(v);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, maxItems); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(value(Array.get(v, i), maxItems));
        }
        if (n > maxItems) {
            sb.append(", ... (").append(n).append(" items)");
        }
        return sb.append(']').toString();
    }

    private static String abbreviate(String s, int max) {
        String t = s.replace("\n", "\\n");
        return t.length() <= max ? t : t.substring(0, max) + "…";
    }
}
