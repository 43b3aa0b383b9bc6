package org.kvscope.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.kvscope.app.cli.Cli;
import org.kvscope.gguf.GGMLType;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.ModelShape;
import org.kvscope.model.SyntheticModelWriter;

/**
 * The training run behind the launcher's ahead-of-time cache (JDK 25, JEP 483/514/515): runs the
 * common CLI commands on small generated models so the JVM records which classes they load and
 * link and how their hot methods behave. The launcher runs it once per build with
 * {@code -XX:AOTCacheOutput=...}; later runs start from that cache. Needs no model files.
 */
public final class StartupTraining {
    private StartupTraining() {}

    /** Runs commands with their output discarded; says on stderr when one fails (the cache is still made). */
    private record Training(Cli cli, PrintStream sink) {
        void run(String... args) {
            int code = cli.run(args, sink, sink);
            if (code != 0) {
                System.err.println("kvscope AOT training: '" + String.join(" ", args).lines().findFirst().orElse("")
                        + "' exited " + code);
            }
        }
    }

    /**
     * Every built-in policy's analyze on a stories260K-shaped model, which the CPU backend runs on its
     * scalar small-model path, with a prompt of about 400 tokens: the scoring, reconstruction
     * (KVzip) and head-probe (DuoAttention) code the larger training models never reach on that path,
     * and a context longer than one prefill chunk, so the policy's prefill continues from the capture's
     * chunks as on a long text ({@code PrefillFork}).
     */
    private static void smallModel(Training cli, Path dir) throws IOException {
        Path model = dir.resolve("stories.gguf");
        SyntheticModelWriter.write(ModelShape.TINY_STORIES, GGMLType.F32, model, 1);
        String text = "Once upon a time, a little robot counted the stars. Each night it found one more. ".repeat(8);
        cli.run("generate", "--model", model.toString(), "--prompt", "Once", "-n", "24");
        for (PolicyRegistry.Entry policy : PolicyRegistry.entries()) {
            cli.run("analyze", "--model", model.toString(), "--prompt", text, "--policy", policy.name(), "--quiet");
        }
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("kvscope-aot-training");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        try {
            Main.missingDisplay(); // the entry path every command takes: Main, then the plugin option
            PluginOption.apply(new String[] {"help"}, sink);
            Training cli = new Training(Cli.standard(), sink);
            cli.run("help");
            cli.run("help", "analyze");
            String prompt = "Once upon a time there was a little robot who liked to count the stars in the sky. "
                    .repeat(4);
            Path text = Files.writeString(dir.resolve("text.txt"), prompt);
            for (GGMLType type : List.of(GGMLType.F32, GGMLType.Q8_0)) {
                Path model = dir.resolve(type.name() + ".gguf");
                SyntheticModelWriter.write(ModelShape.TINY_LLAMA, type, model, 1);
                String m = model.toString();
                cli.run("inspect", "--model", m);
                cli.run("generate", "--model", m, "--prompt", prompt, "-n", "24", "--device", "cpu");
                cli.run("perplexity", "--model", m, "--text-file", text.toString());
                for (String policy : List.of("snapkv", "h2o")) {
                    cli.run("analyze", "--model", m, "--prompt", prompt, "--policy", policy, "--budget", "16");
                }
            }
            smallModel(cli, dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
