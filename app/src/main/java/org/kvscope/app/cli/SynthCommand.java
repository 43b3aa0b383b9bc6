package org.kvscope.app.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.kvscope.app.report.AtomicFiles;
import org.kvscope.gguf.GGMLType;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/** {@code kvscope synth}: writes a random-weight GGUF of a real architecture's shape. */
public final class SynthCommand implements Command {
    private static final Set<String> TYPES = Set.of("f32", "f16", "bf16", "q8_0", "q4_0", "q4_k");

    @Override public String name() { return "synth"; }

    @Override public String summary() { return "write a random-weight GGUF with a real architecture's shape"; }

    @Override
    public String usage() {
        return """
                usage: kvscope synth --shape SHAPE --type TYPE --out FILE [--seed S] [--quiet]
                  --shape   llama-3.2-1b | smollm2-135m | qwen2.5-0.5b | tiny-llama | tiny-llama3 | tiny-qwen2
                  --type    f32 | f16 | bf16 | q8_0 | q4_0 | q4_k   (q4_k = Q4_K_M style: Q6_K for embedding and ffn_down)
                  --out     output .gguf path
                  --seed    random seed (default 1)
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
        if (!TYPES.contains(type)) {
            throw new UsageException("--type '" + type + "' is not valid; valid: f32, f16, bf16, q8_0, q4_0, q4_k");
        }
        long seed = a.longValue("seed", 1);
        OutputOptions.check(a, "out");
        Path outPath = OutputOptions.path(a, "out");
        long t0 = System.nanoTime();
        GGMLType ggmlType = GGMLType.valueOf(type.toUpperCase(Locale.ROOT));
        try (Progress progress = Progress.start(a, err, "synth", 1, "matrices")) {
            AtomicFiles.write(outPath, file -> SyntheticModelWriter.write(shape, ggmlType, file, seed,
                    (done, total) -> progress.stepTo(done, total, shape.id() + " " + type)));
        }
        out.printf("wrote %s (%s, %s, %.1f MiB) in %.1f s%n", outPath, shape.id(), type,
                Files.size(outPath) / 1048576.0, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
