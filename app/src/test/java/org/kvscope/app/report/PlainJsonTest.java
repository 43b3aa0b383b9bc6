package org.kvscope.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kvscope.metrics.CacheOccupancy;

/** The streaming writer gives the text Jackson's ObjectMapper (INDENT_OUTPUT) gives for plain reports. */
class PlainJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static Map<String, Object> report() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("int", 7);
        inner.put("negativeLong", -1L << 40);
        inner.put("double", 0.1 + 0.2);
        inner.put("nan", Double.NaN);
        inner.put("infinity", Double.NEGATIVE_INFINITY);
        inner.put("negativeZero", -0.0);
        inner.put("float", 1.1f);
        inner.put("floatNaN", Float.NaN);
        inner.put("bool", true);
        inner.put("nothing", null);
        inner.put("text", "quote \" backslash \\ tab \t newline \n control \u0001 unicode é ∑ 🙂");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scalars", inner);
        out.put("ints", new int[] {1, -2, 3});
        out.put("emptyInts", new int[0]);
        out.put("longs", new long[] {Long.MAX_VALUE, 0});
        out.put("doubles", new double[] {1e-300, 2.5, Double.NaN});
        out.put("floats", new float[] {0.5f, 3.4e38f});
        out.put("nested", new int[][][] {{{1, 2}, {}}, {{3}}});
        out.put("matrix", new double[][] {{0.25, 0.5}, {}});
        out.put("list", new ArrayList<>(List.of(1, "two", 3.0, List.of(), Map.of())));
        out.put("emptyMap", new LinkedHashMap<>());
        out.put("objects", new Object[] {"a", 1, null, new double[] {1}});
        out.put("occupancy", AnalysisReport.occupancy(new CacheOccupancy(175, 20, 1280.5, 1280, 64, 81920.25, 81920)));
        return out;
    }

    @Test
    void writesWhatObjectMapperWrites() throws Exception {
        Map<String, Object> report = report();
        assertTrue(PlainJson.covers(report));
        assertEquals(MAPPER.writeValueAsString(report), PlainJson.write(report));
        assertEquals(MAPPER.writeValueAsString(report), ReportFiles.json(report));
    }

    @Test
    void occupancyMapIsWhatTheRecordSerializesTo() throws Exception {
        CacheOccupancy o = new CacheOccupancy(175, 20, 12240.0, 13980, 699, 783360.5, 894720);
        assertEquals(MAPPER.writeValueAsString(o), PlainJson.write(AnalysisReport.occupancy(o)));
    }

    @Test
    void anythingElseGoesThroughTheObjectMapper() throws Exception {
        record Point(int x, int y) {}
        Map<Object, Object> numberKeys = new LinkedHashMap<>(Map.of(1, "one"));
        for (Object v : List.of(new Point(1, 2), new byte[] {1, 2}, new char[] {'a'}, numberKeys,
                List.of(1, new Point(3, 4)), Map.of("k", Arrays.asList(new StringBuilder("x"))))) {
            assertFalse(PlainJson.covers(v), v.toString());
            assertEquals(MAPPER.writeValueAsString(v), ReportFiles.json(v));
        }
    }
}
