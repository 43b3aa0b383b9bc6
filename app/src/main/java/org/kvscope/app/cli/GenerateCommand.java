package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Set;
import org.kvscope.model.Model;
import org.kvscope.sampling.Sampler;
import org.kvscope.sampling.SamplingOptions;
import org.kvscope.tokenizer.TokenStreamDecoder;
import org.kvscope.tokenizer.Tokenizer;

/** {@code kvscope generate}: streams a continuation of a prompt and reports tokens/s. */
public final class GenerateCommand implements Command {
    @Override public String name() { return "generate"; }

    @Override public String summary() { return "continue a prompt, streaming tokens, and report prefill/decode speed"; }

    @Override
    public String usage() {
        return """
                usage: kvscope generate --model FILE --prompt TEXT [-n N] [--temperature T] [--top-k K]
                                        [--top-p P] [--seed S] [--context C] [--device D]
                                        [--cache-type T]
                  --model FILE       GGUF model (llama or qwen2 architecture)
                  --prompt TEXT      text to continue
                  -n N               tokens to generate, 0..1000000 (default 64)
                  --temperature T    0 = greedy (default), otherwise sampling temperature, in [0, 100]
                  --top-k K          sampling only: keep the K most likely tokens, 0..2147483647 (0 = all, default 40)
                  --top-p P          sampling only: nucleus threshold in (0, 1] (default 0.95)
                  --seed S           sampling only: random seed, any 64-bit integer (default 42)
                  --context C        KV cache size in tokens, 1..the model's context length (default: prompt + n)
                """ + DeviceOption.USAGE;
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1,
                Set.of("model", "prompt", "n", "temperature", "top-k", "top-p", "seed", "context", "device",
                        DeviceOption.CACHE_TYPE), Set.of());
        DeviceOption.device(a);
        String prompt = a.string("prompt");
        int n = a.integer("n", 64, 0, 1_000_000);
        SamplingOptions sampling;
        try {
            sampling = new SamplingOptions((float) a.number("temperature", 0, 0, 100),
                    a.integer("top-k", 40, 0, Integer.MAX_VALUE), (float) a.numberAbove("top-p", 0.95, 0, 1),
                    a.longValue("seed", 42));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage()); // e.g. --top-p 0: outside (0, 1] like --top-p 2
        }
        if (sampling.temperature() == 0) {
            for (String sampler : new String[] {"top-k", "top-p", "seed"}) {
                if (a.has(sampler)) {
                    throw new UsageException("--" + sampler + " applies only when sampling (--temperature above 0);"
                            + " --temperature 0, the default, decodes greedily");
                }
            }
        }
        try (Model model = ModelOptions.load(a)) {
            Tokenizer tok = model.tokenizer();
            int[] tokens = tok.encodeWithSpecials(prompt);
            if (tokens.length == 0) {
                throw new UsageException("--prompt encodes to no tokens");
            }
            int maxContext = model.config().contextLength();
            int context = a.integer("context", Math.min(maxContext, tokens.length + Math.max(n, 1)), 1, maxContext,
                    "the model's context length");
            if (tokens.length >= context) {
                throw new UsageException("the prompt has " + tokens.length + " tokens but the context is " + context
                        + " (the model's maximum is " + maxContext + ")");
            }
            err.println(ModelOptions.describe(model));
            try (DeviceOption.Runner runner = DeviceOption.open(a, model, context, err)) {
                out.print(prompt);
                out.flush();
                try {
                    stream(runner, tok, tokens, n, context, sampling, out, err);
                } catch (RuntimeException e) {
                    out.println(); // the streamed line ends before the error line (NaN weights, a failing device)
                    out.flush();
                    throw e;
                }
            }
            return 0;
        }
    }

    /** Prefills {@code tokens}, then samples and prints up to {@code n} tokens; the speed line goes to err. */
    private static void stream(DeviceOption.Runner runner, Tokenizer tok, int[] tokens, int n, int context,
                               SamplingOptions sampling, PrintStream out, PrintStream err) {
        Sampler sampler = Sampler.of(sampling);
        TokenStreamDecoder stream = new TokenStreamDecoder(tok, tokens[tokens.length - 1]);
        int eos = tok.eos().orElse(-1);
        long t0 = System.nanoTime();
        float[] logits = runner.run(tokens, 0, tokens.length);
        long prefill = System.nanoTime() - t0;
        int generated = 0;
        long decode = 0;
        String reason = "max tokens";
        while (generated < n) {
            int token = sampler.sample(logits);
            generated++;
            if (!tok.isSpecial(token)) {
                out.print(stream.accept(token));
                out.flush();
            }
            if (token == eos) {
                reason = "end of sequence";
                break;
            }
            if (generated == n) {
                break;
            }
            if (runner.position() >= context) {
                reason = "context full";
                break;
            }
            long t1 = System.nanoTime();
            logits = runner.run(new int[] {token}, 0, 1);
            decode += System.nanoTime() - t1;
        }
        out.println(stream.flush());
        int steps = Math.max(0, generated - 1);
        // one token comes from the prefill's logits: with fewer than two there is no decode step to time
        String speed = steps == 0 || decode == 0 ? "no decode step" : String.format("decode %.1f tokens/s", steps * 1e9 / decode);
        err.printf("prompt %d tokens, prefill %.1f tokens/s; generated %d tokens, %s on %s (%s)%n",
                tokens.length, tokens.length * 1e9 / prefill, generated, speed, runner.device(), reason);
    }
}
