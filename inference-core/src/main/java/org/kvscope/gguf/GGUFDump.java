package org.kvscope.gguf;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Human-readable summary of a GGUF file: header facts, metadata, tensor table. */
public final class GGUFDump {
    /** Strings longer than this many characters are cut in the summary. */
    static final int MAX_STRING_CHARS = 120;

    private GGUFDump() {}

    /**
     * Describes {@code f}: version, sizes, every metadata key with its type and value (arrays
     * show at most {@code maxArrayItems} elements, long strings are cut), then one line per tensor
     * and the tensor-type counts.
     */
    public static String describe(GGUFFile f, int maxArrayItems) {
        if (maxArrayItems < 0) {
            throw new IllegalArgumentException("maxArrayItems is " + maxArrayItems + "; it must be 0 or more");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("GGUF version ").append(f.version()).append(": ").append(f.path()).append('\n');
        sb.append("  file size ").append(f.fileSize()).append(" bytes, alignment ").append(f.alignment())
                .append(", tensor data at byte ").append(f.dataOffset()).append('\n');
        appendMetadata(sb, f.metadata(), maxArrayItems);
        appendTensors(sb, f);
        return sb.toString();
    }

    private static void appendMetadata(StringBuilder sb, GGUFMetadata metadata, int maxArrayItems) {
        sb.append("metadata: ").append(metadata.size()).append(metadata.size() == 1 ? " key" : " keys").append('\n');
        int keyWidth = Math.min(48, metadata.asMap().keySet().stream().mapToInt(k -> name(k).length()).max().orElse(0));
        for (String key : metadata.asMap().keySet()) {
            MetadataEntry e = metadata.entry(key);
            String type = e.type() == GGUFValueType.ARRAY
                    ? e.elementType() + "[" + Array.getLength(e.value()) + "]"
                    : e.type().name();
            sb.append(String.format("  %-" + keyWidth + "s  %-14s %s%n", name(key), type,
                    formatValue(e.value(), e.type() == GGUFValueType.ARRAY ? e.elementType() : e.type(),
                            maxArrayItems)));
        }
    }

    private static void appendTensors(StringBuilder sb, GGUFFile f) {
        long totalBytes = f.tensors().stream().mapToLong(GGUFTensorInfo::byteSize).sum();
        sb.append("tensors: ").append(f.tensors().size()).append(", ").append(totalBytes)
                .append(" bytes of data").append('\n');
        if (f.tensors().isEmpty()) {
            return;
        }
        int nameWidth = Math.max(4, f.tensors().stream().mapToInt(t -> name(t.name()).length()).max().orElse(0));
        String row = "  %-" + nameWidth + "s  %-7s %-22s %12s %12s%n";
        sb.append(String.format(row, "name", "type", "shape (ne)", "offset", "bytes"));
        Map<GGMLType, Integer> counts = new EnumMap<>(GGMLType.class);
        for (GGUFTensorInfo t : f.tensors()) {
            String shape = Arrays.stream(t.shape()).mapToObj(Long::toString).collect(Collectors.joining(" x "));
            sb.append(String.format(row, name(t.name()), t.type(), shape, t.offset(), t.byteSize()));
            counts.merge(t.type(), 1, Integer::sum);
        }
        sb.append("  types: ").append(counts.entrySet().stream().map(c -> c.getKey() + " x" + c.getValue())
                .collect(Collectors.joining(", ")));
        String unsupported = counts.keySet().stream().filter(t -> !t.isSupported()).map(Enum::name)
                .collect(Collectors.joining(", "));
        if (!unsupported.isEmpty()) {
            sb.append(" (not supported by kvscope: ").append(unsupported).append(')');
        }
        sb.append('\n');
    }

    /** One value; {@code type} is the element type for arrays (null for nested arrays). */
    private static String formatValue(Object value, GGUFValueType type, int maxArrayItems) {
        if (value instanceof String s) {
            return quote(s);
        }
        if (value instanceof Long l && type == GGUFValueType.UINT64) {
            return Long.toUnsignedString(l);
        }
        if (value == null || !value.getClass().isArray()) {
            return String.valueOf(value);
        }
        int n = Array.getLength(value);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(n, maxArrayItems); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Object element = Array.get(value, i);
            sb.append(element.getClass().isArray()
                    ? formatValue(element, null, maxArrayItems)
                    : formatValue(element, type, maxArrayItems));
        }
        if (n > maxArrayItems) {
            sb.append(maxArrayItems > 0 ? ", " : "").append("... ").append(n - maxArrayItems).append(" more");
        }
        return sb.append(']').toString();
    }

    /** A key or tensor name, file content like the values: unprintable characters escaped, cut when long. */
    private static String name(String s) {
        return PrintableText.escape(s, MAX_STRING_CHARS);
    }

    private static String quote(String s) {
        int limit = Math.min(s.length(), MAX_STRING_CHARS);
        String text = PrintableText.escape(s.substring(0, limit), limit * 6).replace("\"", "\\\"");
        return "\"" + text + "\"" + (s.length() > limit ? "... (" + s.length() + " chars)" : "");
    }
}
