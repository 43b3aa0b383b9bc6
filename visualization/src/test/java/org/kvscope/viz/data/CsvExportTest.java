package org.kvscope.viz.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvExportTest {

    @Test
    void attentionMapSkipsCausalAndMissingCells() {
        AttentionMap map = AttentionMap.selfAttention(new float[] {1f, 0f, 0.25f, Float.NaN},
                List.of("Lily", "said \"hi\", then"));
        assertEquals("""
                query_position,query_token,key_position,key_token,weight
                0,Lily,0,Lily,1
                1,"said ""hi"", then",0,Lily,0.25
                """, map.toCsv());
    }

    @Test
    void keptMask() {
        assertEquals("key_index,kept\n0,true\n1,false\n", new KeptMask(new boolean[] {true, false}).toCsv());
        assertEquals(1, new KeptMask(new boolean[] {true, false}).keptCount());
    }

    @Test
    void layerSeriesSetIsWideWithEmptyFieldsForMissingLayers() {
        LayerSeriesSet set = new LayerSeriesSet("entropy", List.of(
                new LayerSeries("FullKV", new double[] {2.5, 1.125, 0.1}),
                new LayerSeries("Snap,KV", new double[] {2.0, Double.NaN})));
        assertEquals("layer,FullKV,\"Snap,KV\"\n0,2.5,2\n1,1.125,\n2,0.1,\n", set.toCsv());
    }

    @Test
    void needleGrid() {
        NeedleGrid grid = new NeedleGrid(new int[] {256, 512}, new double[] {0, 0.5},
                new double[][] {{-0.1, -2}, {-0.25, Double.NaN}}, new boolean[][] {{true, false}, {true, false}}, "t");
        assertEquals("""
                length,depth,value,success,n
                256,0,-0.1,true,
                512,0,-2,false,
                256,0.5,-0.25,true,
                512,0.5,,false,
                """, grid.toCsv());
        assertEquals(0.5, grid.successRate());
    }

    @Test
    void tokenStripKvMemoryScheduleCurvesAndDeltas() {
        assertEquals("position,piece,id,nll\n0,\" a\",5,\n1,\"\n\",13,1.5\n",
                new TokenStrip(List.of(" a", "\n"), new int[] {5, 13}, new double[] {Double.NaN, 1.5}).toCsv());
        assertEquals("position,piece,id,nll\n0,x,1,\n", new TokenStrip(List.of("x"), new int[] {1}, null).toCsv());
        KvMemoryUsage usage = new KvMemoryUsage(new long[] {1024, 0}, new long[] {4096, 4096});
        assertEquals("layer,kept_bytes,full_bytes\n0,1024,4096\n1,0,4096\n", usage.toCsv());
        assertEquals(1024, usage.totalKept());
        assertEquals("layer,budget\n0,300\n1,100\n", new BudgetSchedule(new int[] {300, 100}, "β=3").toCsv());
        BudgetCurveSet curves = new BudgetCurveSet("recall", List.of(
                new BudgetCurve("H2O", new double[] {64, 128}, new double[] {0.5, 0.75})));
        assertEquals("series,budget,recall\nH2O,64,0.5\nH2O,128,0.75\n", curves.toCsv());
        PerplexityDeltas deltas = new PerplexityDeltas(List.of(new PerplexityDelta("SnapKV", 128, 6.0, 6.5)));
        assertEquals("policy,budget,full_perplexity,perplexity,delta\nSnapKV,128,6,6.5,0.5\n", deltas.toCsv());
    }

    @Test
    void layerHeadMapsPrefixesLayerAndHead() {
        AttentionMap one = AttentionMap.selfAttention(new float[] {1f}, List.of("a"));
        AttentionMap two = AttentionMap.selfAttention(new float[] {0.5f}, List.of("b"));
        assertEquals("layer,head,query_position,query_token,key_position,key_token,weight\n"
                + "0,0,0,a,0,a,1\n0,1,0,b,0,b,0.5\n", new LayerHeadMaps(1, 2, List.of(one, two)).toCsv());
    }

    @Test
    void numbersAreLocaleIndependentAndCompact() {
        assertEquals("0.333333", Csv.number(1 / 3.0));
        assertEquals("1.00000e-07", Csv.number(1e-7));
        assertEquals("-3", Csv.number(-3.0));
        assertEquals("", Csv.number(Double.NaN));
    }

    @Test
    void badShapesAreRejectedWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AttentionMap(2, 3,
                new float[5], new int[2], new int[3], List.of("a", "b"), List.of("a", "b", "c")));
        assertEquals("weights has length 5 but must have length 6 (queryCount * keyCount, row-major [query][key])",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TokenStrip(List.of("a"), new int[] {1, 2}, null));
        assertEquals("ids has length 2 but must have length 1 (one per piece)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new KvMemoryUsage(new long[] {-1}, new long[] {1}));
        assertEquals("keptBytes[0] must be >= 0 but was -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new NeedleGrid(new int[] {1}, new double[] {0},
                new double[][] {{1, 2}}, null, "t"));
        assertEquals("values[0] has length 2 but must have length 1 (one entry per length)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenRange(3, 3));
        assertEquals("token range needs 0 <= from < to but was [3, 3)", e.getMessage());
    }
}
