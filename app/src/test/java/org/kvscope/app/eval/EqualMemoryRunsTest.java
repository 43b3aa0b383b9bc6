package org.kvscope.app.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kvscope.backend.Backends;
import org.kvscope.engine.DecodeCap;
import org.kvscope.engine.NeedleEvaluator;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;
import org.kvscope.model.SharedModels;
import org.kvscope.prompts.NeedleCase;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.Suites;

/** Needle grids and sweeps on stories260K: FullKV baselines computed once, decode caps, cache occupancy. */
class EqualMemoryRunsTest {
    static Model model;
    static List<NeedleCase> cases;

    @BeforeAll
    static void load() throws Exception {
        var file = SharedModels.find("stories260K.gguf");
        Assumptions.assumeTrue(file.isPresent(), SharedModels.missingMessage("stories260K.gguf"));
        model = ModelLoader.load(file.get());
        SuiteDescriptor suite = Suites.byId("needle-stories-short");
        cases = NeedleGridRun.cases(model, suite, 1).stream().filter(c -> c.targetTokens() <= 64).toList();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void sharedFullKvBaselinesLeaveEveryResultUnchanged() {
        Map<NeedleCase, NeedleEvaluator.Result> shared = NeedleGridRun.baselines(Backends.cpu(), model, cases, null);
        for (String policy : new String[] {"snapkv", "streamingllm"}) {
            Map<String, Object> params = Map.of("budget", 16);
            NeedleGridRun.Grid fresh = NeedleGridRun.run(model, cases, policy, params, null, null);
            NeedleGridRun.Grid reused = NeedleGridRun.run(Backends.cpu(), model, cases, policy, params, DecodeCap.NONE,
                    shared, null, null);
            assertEquals(fresh.cases().size(), reused.cases().size());
            for (int i = 0; i < fresh.cases().size(); i++) {
                var f = fresh.cases().get(i);
                var r = reused.cases().get(i);
                assertTrue(f.policy().sameOutcome(r.policy()), policy + " case " + i);
                assertTrue(f.fullKv().sameOutcome(r.fullKv()), policy + " baseline " + i);
                assertSame(shared.get(r.needle()), r.fullKv(), "the baseline is reused, not recomputed");
            }
            assertEquals(fresh.accuracy(), reused.accuracy());
            assertEquals(fresh.fullKvAccuracy(), reused.fullKvAccuracy());
            assertTrue(Arrays.deepEquals(fresh.successGrid(), reused.successGrid()));
        }
        assertEquals(cases.size(), shared.size(), "no case added a second baseline");
    }

    @Test
    void sweepRowsNameTheirCapAndReportTheCacheOverTheContinuation() {
        int[] tokens = model.tokenizer().encodeWithSpecials(
                "Once upon a time there was a little girl named Lily. She liked to play in the park with her dog."
                        + " One day the dog ran after a big red ball and Lily ran after the dog.");
        int ctx = tokens.length - 12;
        var text = new SweepRun.Text("t", Arrays.copyOf(tokens, ctx), Arrays.copyOfRange(tokens, ctx, tokens.length));
        List<SweepRun.Config> configs = SweepRun.grid(List.of("fullkv", "snapkv", "streamingllm"), new int[] {16},
                List.of(), List.of(DecodeCap.NONE, DecodeCap.BUDGET));
        assertEquals(5, configs.size(), "FullKV once, the others once per cap");
        List<String> steps = new java.util.ArrayList<>();
        List<SweepRun.Row> rows = SweepRun.run(model, configs, List.of(text), cases.subList(0, 2), 4, null, steps::add);
        assertEquals(SweepRun.units(configs, List.of(text), cases.subList(0, 2)), steps.size());
        Map<String, SweepRun.Row> byKey = new HashMap<>();
        rows.forEach(r -> byKey.put(r.policy() + "/" + r.decodeCap(), r));
        SweepRun.Row free = byKey.get("snapkv/none");
        SweepRun.Row capped = byKey.get("snapkv/budget");
        assertEquals(16 + 11, free.continuation().peakHeadEntries(), "grows by one entry per teacher-forced token");
        assertEquals(16, capped.continuation().peakHeadEntries());
        assertEquals(16.0, capped.continuation().meanEntriesPerHead(), 1e-9);
        assertTrue(free.continuation().meanBytes() > capped.continuation().meanBytes());
        assertEquals(16, byKey.get("streamingllm/none").continuation().peakHeadEntries());
        assertEquals(byKey.get("streamingllm/none").perplexity(), byKey.get("streamingllm/budget").perplexity(),
                "a policy that holds its budget is unchanged by the cap");
        assertEquals(ctx + 11, byKey.get("fullkv/none").continuation().peakHeadEntries());
    }

    /**
     * DuoAttention has a budget like the others: in a sweep at matched memory it holds exactly the
     * entries SnapKV holds, after prefill and over the whole continuation; with a budget of the
     * whole context it is FullKV.
     */
    @Test
    void duoAttentionIsSweptAtTheSameMemoryAsTheOthers() {
        SweepRun.Text text = shortText();
        List<SweepRun.Config> configs = SweepRun.grid(List.of("fullkv", "snapkv", "duo-attention"), new int[] {16, 512},
                List.of(), List.of(DecodeCap.BUDGET));
        assertEquals(5, configs.size(), "FullKV once, the others once per budget");
        Map<String, SweepRun.Row> byKey = new HashMap<>();
        for (SweepRun.Row r : SweepRun.run(model, configs, List.of(text), List.of(), 2, null, s -> { })) {
            byKey.put(r.policy() + "/" + r.budget(), r);
        }
        SweepRun.Row duo = byKey.get("duo-attention/16"), snap = byKey.get("snapkv/16");
        assertEquals("budget", duo.decodeCap());
        assertEquals(16.0, duo.continuation().peakEntriesPerHead(), 1e-9);
        assertEquals(16.0, duo.continuation().meanEntriesPerHead(), 1e-9);
        assertEquals(snap.keptBytes(), duo.keptBytes(), 1e-9);
        assertEquals(snap.continuation().peakBytes(), duo.continuation().peakBytes());
        SweepRun.Row whole = byKey.get("duo-attention/512"), full = byKey.get("fullkv/0");
        // FullKV teacher-forces the continuation in prefill chunks, DuoAttention (which may evict) steps it:
        // the same attention, equal up to float rounding
        assertEquals(full.perplexity(), whole.perplexity(), 1e-6 * full.perplexity(),
                "a budget of the whole context keeps everything");
        assertEquals(full.keptBytes(), whole.keptBytes(), 1e-9);
    }

    private static SweepRun.Text shortText() {
        int[] tokens = model.tokenizer().encodeWithSpecials(
                "Once upon a time there was a little girl named Lily. She liked to play in the park with her dog."
                        + " One day the dog ran after a big red ball and Lily ran after the dog.");
        int ctx = tokens.length - 12;
        return new SweepRun.Text("t", Arrays.copyOf(tokens, ctx), Arrays.copyOfRange(tokens, ctx, tokens.length));
    }

    @Test
    void everyRegisteredPolicyRunsInASweepWithAndWithoutTheCap() {
        List<String> all = org.kvscope.kv.PolicyRegistry.entries().stream()
                .map(org.kvscope.kv.PolicyRegistry.Entry::name).toList();
        assertTrue(all.containsAll(List.of("kvzip", "duo-attention", "knorm", "keydiff")), all.toString());
        List<SweepRun.Config> configs = SweepRun.grid(all, new int[] {16}, List.of(),
                List.of(DecodeCap.NONE, DecodeCap.BUDGET));
        List<SweepRun.Row> rows = SweepRun.run(model, configs, List.of(shortText()), cases.subList(0, 1), 2, null, s -> { });
        assertEquals(configs.size(), rows.size());
        for (SweepRun.Row r : rows) {
            String what = r.policy() + "/" + r.decodeCap();
            assertTrue(Double.isFinite(r.perplexity()) && r.perplexity() > 1, what + " perplexity " + r.perplexity());
            assertTrue(r.meanRecall() > 0 && r.meanRecall() <= 1 + 1e-9, what + " recall " + r.meanRecall());
            assertTrue(r.needleAccuracy() >= 0 && r.needleAccuracy() <= 1, what + " needle " + r.needleAccuracy());
        }
    }

    /** Q8_0 and Q4_0 caches with every registered policy, capped: the bytes are the type's, entry for entry. */
    @Test
    void everyPolicyRunsOnEachQuantizedCacheAndCountsItsRealBytes() {
        List<String> all = org.kvscope.kv.PolicyRegistry.entries().stream()
                .map(org.kvscope.kv.PolicyRegistry.Entry::name).toList();
        List<SweepRun.Config> configs = SweepRun.grid(all, new int[] {16}, List.of(), List.of(DecodeCap.BUDGET));
        int heads = model.config().layers() * model.config().kvHeads();
        for (org.kvscope.kv.KvCacheType type : List.of(org.kvscope.kv.KvCacheType.Q8_0, org.kvscope.kv.KvCacheType.Q4_0)) {
            long entryBytes = 2 * type.vectorBytes(model.config().headDim()); // a key and a value
            List<SweepRun.Row> rows = SweepRun.run(Backends.cpu(type), model, configs, List.of(shortText()), List.of(), 2,
                    null, s -> { });
            assertEquals(configs.size(), rows.size());
            for (SweepRun.Row r : rows) {
                String what = type.cliName() + " " + r.policy();
                assertTrue(Double.isFinite(r.perplexity()) && r.perplexity() > 1, what + " perplexity " + r.perplexity());
                assertEquals(r.continuation().meanEntries() * entryBytes, r.continuation().meanBytes(), 1e-6, what);
                assertEquals(r.continuation().peakEntries() * entryBytes, r.continuation().peakBytes(), what);
                if (r.budget() > 0) {
                    assertEquals(16.0 * heads * entryBytes, r.keptBytes(), 1e-6, what + ": budget 16 after prefill");
                    assertTrue(r.continuation().peakEntriesPerHead() <= 16, what + " held at its budget");
                }
            }
        }
    }

    @Test
    void aConfigurationThatFailsLateKeepsTheRowsFinishedBeforeIt() {
        List<SweepRun.Config> configs = SweepRun.grid(List.of("fullkv", "snapkv", "streamingllm", "h2o"),
                new int[] {16}, List.of(), List.of(DecodeCap.NONE));
        var failure = org.junit.jupiter.api.Assertions.assertThrows(SweepRun.Failure.class,
                () -> SweepRun.run(model, configs, List.of(shortText()), List.of(), 2, null, step -> {
                    if (step.startsWith("streamingllm")) {
                        throw new IllegalStateException("disk full");
                    }
                }));
        assertEquals(List.of("fullkv", "snapkv"), failure.rows().stream().map(SweepRun.Row::policy).toList());
        assertTrue(failure.config().startsWith("streamingllm"), failure.config());
        assertTrue(failure.getMessage().contains("disk full"), failure.getMessage());
    }

    @Test
    void multiQuestionReplaysCutTheConversationAtEveryQuestionAndAnswer() {
        SuiteDescriptor suite = Suites.byId("needle-stories-short");
        List<MultiQuestionRun.Replay> replays = MultiQuestionRun.replays(model, suite, 3, 2);
        assertEquals(2, replays.size());
        MultiQuestionRun.Replay r = replays.get(1);
        assertEquals(3, r.needles().stream().map(NeedleCase::templateId).distinct().count());
        var tokens = MultiQuestionRun.tokens(model.tokenizer(), r);
        List<Integer> joined = new java.util.ArrayList<>();
        Arrays.stream(tokens.context()).forEach(joined::add);
        StringBuilder text = new StringBuilder(r.context());
        for (int q = 0; q < 3; q++) {
            Arrays.stream(tokens.turns().get(q).question()).forEach(joined::add);
            Arrays.stream(tokens.turns().get(q).answer()).forEach(joined::add);
            NeedleCase c = r.needles().get(q);
            text.append(' ').append(c.prompt().substring(c.questionCharOffset()).strip()).append(c.answer());
            assertEquals(c.answer().strip(), model.tokenizer().decode(tokens.turns().get(q).answer()).strip());
        }
        assertEquals(Arrays.stream(model.tokenizer().encodeWithSpecials(text.toString())).boxed().toList(), joined);
        var result = MultiQuestionRun.run(Backends.cpu(), model, replays, "snapkv", Map.of("budget", 16),
                DecodeCap.NONE, null, null);
        assertEquals(6, result.turns().size());
        assertEquals(3, result.accuracyByTurn(org.kvscope.engine.MultiQuestionReplay.Mode.QUERY_AWARE).length);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MultiQuestionRun.replays(model, suite, 60, 1));
        assertTrue(e.getMessage().contains("distinct questions"), e.getMessage());
    }
}
