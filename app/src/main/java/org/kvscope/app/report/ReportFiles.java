package org.kvscope.app.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Writes JSON and CSV reports atomically (temp file + move), so an interrupted run never leaves half a file. */
public final class ReportFiles {
    private ReportFiles() {}

    /** Made on first use: plain reports never need it (see {@link PlainJson}). */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** Indented JSON, as Jackson's {@code ObjectMapper} writes it; plain values through its streaming generator alone. */
    public static String json(Object value) {
        try {
            return PlainJson.covers(value) ? PlainJson.write(value) : Mapper.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Writes UTF-8 text so that readers see the old or the new file, never a partial one. */
    public static void writeAtomically(Path path, String content) throws IOException {
        AtomicFiles.write(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** CSV text from a header and rows (values formatted with '.' decimals, quoted when needed). */
    public static String csv(List<String> header, List<List<Object>> rows) {
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (List<Object> row : rows) {
            sb.append(row.stream().map(ReportFiles::cell).collect(Collectors.joining(","))).append('\n');
        }
        return sb.toString();
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.6g", d);
        }
        String s = v.toString();
        return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
