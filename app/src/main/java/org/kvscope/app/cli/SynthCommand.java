package org.kvscope.app.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.kvscope.app.report.AtomicFiles;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** {@code kvscope synth}: writes a random-weight GGUF of a real architecture's shape. */
public final class SynthCommand implements Command {
    /** Type ids: the matrices' type and the embedding/output/ffn_down type. */
    private static final Map<String, GGMLType[]> TYPES = types();

    private static Map<String, GGMLType[]> types() {
        Map<String, GGMLType[]> m = new LinkedHashMap<>();
        for (GGMLType t : List.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q6_K)) {
            m.put(t.name().toLowerCase(Locale.ROOT), new GGMLType[] {t, t});
        }
        m.put("q4_k", new GGMLType[] {GGMLType.Q4_K, GGMLType.Q6_K});
        m.put("q4_k_pure", new GGMLType[] {GGMLType.Q4_K, GGMLType.Q4_K});
        return Collections.unmodifiableMap(m);
    }

    @Override public String name() { return "synth"; }

    @Override public String summary() { return "write a random-weight GGUF with a real architecture's shape"; }

    @Override
    public String usage() {
        return """
                usage: kvscope synth --shape SHAPE --type TYPE --out FILE [--seed S] [--quiet]
                  --shape   llama-3.2-1b | smollm2-135m | qwen2.5-0.5b | tiny-llama | tiny-llama3 | tiny-qwen2
                            | tiny-stories
                  --type    f32 | f16 | bf16 | q8_0 | q4_0 | q6_k | q4_k | q4_k_pure
                            (q4_k = Q4_K_M style: Q6_K for embedding and ffn_down; q4_k_pure = Q4_K everywhere)
                  --out     output .gguf path
                  --seed    random seed, any 64-bit integer (default 1)
                """ + Progress.USAGE;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("shape", "type", "out", "seed"), Set.of(Progress.QUIET));
        ModelShape shape;
        try {
            shape = ModelShape.fromId(a.string("shape"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String type = a.string("type").toLowerCase(Locale.ROOT);
        if (!TYPES.containsKey(type)) {
            throw new UsageException("--type '" + type + "' is not valid; valid: " + String.join(", ", TYPES.keySet()));
        }
        long seed = a.longValue("seed", 1);
        OutputOptions.check(a, "out");
        Path outPath = OutputOptions.path(a, "out");
        long t0 = System.nanoTime();
        GGMLType[] types = TYPES.get(type);
        try (Progress progress = Progress.start(a, err, "synth", SyntheticModelWriter.matrixCount(shape), "matrices")) {
            AtomicFiles.write(outPath, file -> SyntheticModelWriter.write(shape, types[0], types[1], file, seed,
                    (done, total) -> progress.stepTo(done, total, shape.id() + " " + type)));
        }
        out.printf("wrote %s (%s, %s, %.1f MiB) in %.1f s%n", outPath, shape.id(), type,
                Files.size(outPath) / 1048576.0, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
