package org.kvscope.app.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Map;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.kv.CompressionPolicy;
import org.kvscope.kv.ForwardingPolicy;
import org.kvscope.kv.KeptPositions;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

/**
 * Diagnostic probe (benchmarks/first-selection, not part of the build): FreshSelection's child, printing each selection
 * call's nanoTime start, wall time and heap bytes allocated by all threads. Usage: probe.sh.
 */
public final class Probe {
    static final class T extends ForwardingPolicy {
        final int calls; final long[] start, end, alloc;
        T(CompressionPolicy d, int calls) { super(d); this.calls = calls; start = new long[calls]; end = new long[calls]; alloc = new long[calls]; }
        @Override public KeptPositions selectAfterPrefill(PrefillContext ctx) {
            KeptPositions k = null;
            for (int i = 0; i < calls; i++) {
                long a0 = MX.getTotalThreadAllocatedBytes();
                start[i] = System.nanoTime();
                k = delegate().checkedSelectAfterPrefill(ctx);
                end[i] = System.nanoTime();
                alloc[i] = MX.getTotalThreadAllocatedBytes() - a0;
            }
            return k;
        }
    }
    static com.sun.management.ThreadMXBean MX;
    public static void main(String[] args) throws Exception {
        MX = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean(); MX.getTotalThreadAllocatedBytes();
        try (Model model = ModelLoader.load(Path.of(args[0]))) {
            int[] prompt = BenchPoliciesCommand.prompt(model, Integer.parseInt(args[1]));
            int calls = args.length > 3 ? Integer.parseInt(args[3]) : 1;
            T timer = new T(PolicyOptions.create(args[2], Map.of()), calls);
            try (InferenceSession session = new InferenceSession(model,
                    SessionOptions.ofContext(BenchPoliciesCommand.sessionContext(model, prompt.length)))) {
                session.setPolicy(timer);
                long t0 = System.nanoTime();
                session.prefill(prompt);
                StringBuilder sb = new StringBuilder("PROBE " + args[2] + " prefill-start-tn=" + t0 + " warmup-ms=" + session.lastWarmupNanos() / 1e6);
                for (int i = 0; i < calls; i++) {
                    sb.append(String.format(" call%d: start-tn=%d ms=%.2f alloc=%dK", i, timer.start[i], (timer.end[i] - timer.start[i]) / 1e6, timer.alloc[i] / 1024));
                }
                System.out.println(sb);
            }
        }
    }
}
