package org.kvscope.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.CompressionPolicy.PrefillContext;
import org.kvscope.kv.ForwardingPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.kv.KvCacheType;
import org.kvscope.kv.PolicyParameters;
import org.kvscope.kv.PolicyRegistry;

/** The selection warm-up before a long prefill: what it runs, for which policies, and what it leaves alone. */
class SelectionWarmupTest {
    private static final int HEADS = 9, KV_HEADS = 3, HEAD_DIM = 64;
    private static final AtomicInteger PROBE_CALLS = new AtomicInteger();

    @AfterEach
    void cleanUp() {
        PolicyRegistry.unregister("warmup-probe");
        PolicyRegistry.unregister("warmup-probe-opted-in");
        SelectionWarmup.forgetAll();
        PROBE_CALLS.set(0);
    }

    /** Both budgets compress the synthetic prompt: the warm-up runs each policy's real selection, not a shortcut. */
    @Test
    void everyBuiltInPolicyCompressesTheSyntheticPromptAtBothBudgets() {
        for (PolicyRegistry.Entry e : PolicyRegistry.entries()) {
            if (e.isPlugin() || e.name().equals("fullkv")) {
                continue;
            }
            for (String source : List.of("f32", "f16", "q8_0", "capture")) {
                boolean capture = source.equals("capture");
                KvCacheType type = capture ? KvCacheType.F32 : KvCacheType.parse(source);
                for (int budget : new int[] {SelectionWarmup.SMALL_BUDGET, SelectionWarmup.LARGE_BUDGET}) {
                    CompressionPolicy policy = PolicyRegistry.create(e.name(), Map.of());
                    CompressionPolicy twin = PolicyRegistry.create(e.name(), SelectionWarmup.values(policy, budget));
                    PrefillContext ctx = SelectionWarmup.context(twin, twin, HEADS, KV_HEADS, HEAD_DIM, type, capture);
                    assertEquals(capture, ctx.cache() == null);
                    String what = e.name() + " " + source + " budget " + budget;
                    if (e.name().equals("pyramidinfer") && !capture) {
                        assertNotNull(twin.prefillPruner(ctx), what); // skipped: its selection follows the pruned pass
                        continue;
                    }
                    KeptPositions kept = twin.checkedSelectAfterPrefill(ctx);
                    assertNotNull(kept, what);
                    long entries = 0;
                    for (int l = 0; l < ctx.layers(); l++) {
                        entries += kept.countInLayer(l);
                    }
                    assertTrue(entries < (long) ctx.layers() * KV_HEADS * SelectionWarmup.PROMPT, what + ": " + entries);
                }
            }
            CompressionPolicy policy = PolicyRegistry.create(e.name(), Map.of());
            int calls = SelectionWarmup.run(policy, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32);
            assertEquals(e.name().equals("pyramidinfer") ? 0 : SelectionWarmup.CALLS, calls, e.name());
            assertEquals(SelectionWarmup.CALLS, SelectionWarmup.forCaptures(policy, HEADS, KV_HEADS, HEAD_DIM), e.name());
        }
    }

    @Test
    void onceForAPolicyAndItsChoicesInAJvm() {
        CompressionPolicy max = PolicyRegistry.create("snapkv", Map.of("pooling", "max", "budget", "300"));
        CompressionPolicy avg = PolicyRegistry.create("snapkv", Map.of("pooling", "avg"));
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.run(max, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(0, SelectionWarmup.run(PolicyRegistry.create("snapkv", Map.of("pooling", "max")),
                HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32), "same choices, another budget: already warm");
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.run(avg, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
    }

    /** The warm-up selects with instances of its own: the session's policy (and its decode state) is never called. */
    @Test
    void theGivenPolicyInstanceIsNeverCalled() {
        AtomicInteger calls = new AtomicInteger();
        CompressionPolicy counted = new ForwardingPolicy(PolicyRegistry.create("h2o", Map.of("budget", "200"))) {
            @Override
            public KeptPositions selectAfterPrefill(PrefillContext ctx) {
                calls.incrementAndGet();
                return super.selectAfterPrefill(ctx);
            }
        };
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.run(counted, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(0, calls.get());
    }

    @Test
    void aPluginPolicyIsWarmedUpOnlyWhenItOptsIn() {
        PolicyRegistry.register(new PolicyRegistry.Entry("warmup-probe", "", List::of,
                p -> new Probe("warmup-probe", p, false), "probe.jar"));
        PolicyRegistry.register(new PolicyRegistry.Entry("warmup-probe-opted-in", "", List::of,
                p -> new Probe("warmup-probe-opted-in", p, true), "probe.jar"));
        CompressionPolicy plain = PolicyRegistry.create("warmup-probe", Map.of());
        assertFalse(plain.warmsUpSelection());
        assertEquals(0, SelectionWarmup.run(plain, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(0, PROBE_CALLS.get());
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.run(PolicyRegistry.create("warmup-probe-opted-in", Map.of()),
                HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(SelectionWarmup.CALLS, PROBE_CALLS.get());
    }

    @Test
    void aFailingWarmUpIsSilentAndUnregisteredPoliciesAreSkipped() {
        CompressionPolicy unregistered = new CompressionPolicy(PolicyParameters.of(List.of(), Map.of())) {
            @Override public String name() { return "not-registered"; }
            @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) { throw new AssertionError("called"); }
        };
        assertEquals(0, SelectionWarmup.run(unregistered, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        PolicyRegistry.register(new PolicyRegistry.Entry("warmup-probe", "", List::of,
                p -> new Probe("warmup-probe", p, true) {
                    @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) {
                        PROBE_CALLS.incrementAndGet();
                        throw new IllegalStateException("broken");
                    }
                }, "probe.jar"));
        assertEquals(0, SelectionWarmup.run(PolicyRegistry.create("warmup-probe", Map.of()),
                HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(1, PROBE_CALLS.get(), "stops at the first failure");
    }

    /**
     * Each warm-up instance selects on the context it was prepared for ({@code prepareSelection}, as a session does
     * before its prefill), so the warm-up runs the paths of a session's selection (KeyDiff's prepared buffers); a
     * capture's (no cache: a workbench analysis prepares nothing) is not prepared.
     */
    @Test
    void theWarmUpPreparesItsInstancesAsASessionDoes() {
        List<String> seen = new java.util.ArrayList<>();
        PolicyRegistry.register(new PolicyRegistry.Entry("warmup-probe-opted-in", "", List::of,
                p -> new Probe("warmup-probe-opted-in", p, true) {
                    private PrefillContext prepared;

                    @Override public void prepareSelection(PrefillContext ctx) {
                        prepared = ctx;
                        seen.add("prepared");
                    }

                    @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) {
                        seen.add(prepared == ctx ? "prepared" : "unprepared");
                        return super.selectAfterPrefill(ctx);
                    }
                }, "probe.jar"));
        CompressionPolicy probe = PolicyRegistry.create("warmup-probe-opted-in", Map.of());
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.run(probe, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(SelectionWarmup.CALLS + 2, seen.size());
        assertTrue(seen.stream().allMatch("prepared"::equals), seen.toString());
        seen.clear();
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.forCaptures(probe, HEADS, KV_HEADS, HEAD_DIM));
        assertTrue(seen.stream().allMatch("unprepared"::equals), seen.toString());
    }

    @Test
    void capturesAndCachesAreWarmedUpApart() {
        CompressionPolicy knorm = PolicyRegistry.create("knorm", Map.of());
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.run(knorm, HEADS, KV_HEADS, HEAD_DIM, KvCacheType.F32));
        assertEquals(SelectionWarmup.CALLS, SelectionWarmup.forCaptures(knorm, HEADS, KV_HEADS, HEAD_DIM));
        assertEquals(0, SelectionWarmup.forCaptures(knorm, HEADS, KV_HEADS, HEAD_DIM));
    }

    @Test
    void onlyLongSelectionsAreWorthIt() {
        assertTrue(SelectionWarmup.worthIt(30, 3, 2048)); // SmolLM2-135M at bench-policies' prompt
        assertFalse(SelectionWarmup.worthIt(5, 4, 700));  // stories260K, a cold analyze's text
    }

    /** A plugin's policy that counts its selections (keeps the first and last position of every head). */
    private static class Probe extends CompressionPolicy {
        private final String name;
        private final boolean optIn;

        Probe(String name, PolicyParameters params, boolean optIn) {
            super(params);
            this.name = name;
            this.optIn = optIn;
        }

        @Override public String name() { return name; }

        @Override public boolean warmsUpSelection() { return optIn; }

        @Override
        public KeptPositions selectAfterPrefill(PrefillContext ctx) {
            PROBE_CALLS.incrementAndGet();
            int[][][] out = new int[ctx.layers()][ctx.kvHeads()][];
            for (int[][] layer : out) {
                java.util.Arrays.setAll(layer, h -> new int[] {0, ctx.promptLength() - 1});
            }
            return new KeptPositions(out);
        }
    }
}
