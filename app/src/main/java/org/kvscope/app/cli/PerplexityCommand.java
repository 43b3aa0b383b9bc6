package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Set;
import org.kvscope.backend.BackendFactory;
import org.kvscope.engine.PerplexityEvaluator;
import org.kvscope.model.Model;

/** {@code kvscope perplexity}: teacher-forced NLL and perplexity of a text file. */
public final class PerplexityCommand implements Command {
    @Override public String name() { return "perplexity"; }

    @Override public String summary() { return "teacher-forced NLL and perplexity of a text file"; }

    @Override
    public String usage() {
        return """
                usage: kvscope perplexity --model FILE --text-file FILE [--context C] [--device D]
                                          [--cache-type T] [--quiet]
                  --model FILE       GGUF model
                  --text-file FILE   UTF-8 text to score
                  --context C        window length in tokens, 2..the model's context length (default: the
                                     model's context, at most 2048);
                                     the text is cut into windows of this size, each scored from a fresh cache
                """ + DeviceOption.USAGE + "\n" + Progress.USAGE;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "text-file", "context", DeviceOption.NAME, DeviceOption.CACHE_TYPE),
                Set.of(Progress.QUIET));
        DeviceOption.device(a);
        String text = TextFiles.readUtf8(a, "text-file");
        try (Model model = ModelOptions.load(a); BackendFactory backend = DeviceOption.select(a, err)) {
            int max = model.config().contextLength();
            int context = a.integer("context", Math.min(max, 2048), 2, max, "the model's context length");
            int[] tokens = model.tokenizer().encode(text);
            if (tokens.length < 2) {
                throw new UsageException("--text-file has " + tokens.length + " token(s); need at least 2");
            }
            err.println(ModelOptions.describe(model));
            long t0 = System.nanoTime();
            PerplexityEvaluator.Result r;
            try (Progress progress = Progress.start(a, err, "perplexity", tokens.length, "tokens")) {
                r = PerplexityEvaluator.evaluate(backend, model, tokens, context,
                        n -> progress.stepTo(n, "windows of " + context));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("tokens scored: %d in %d window(s) of <= %d tokens%n", r.tokens(), r.windows(), context);
            out.printf("mean NLL: %.4f nats/token%n", r.meanNll());
            out.printf("perplexity: %.4f%n", r.perplexity());
            err.printf("%.1f s, %.1f tokens/s%n", secs, r.tokens() / secs);
            return 0;
        }
    }
}
