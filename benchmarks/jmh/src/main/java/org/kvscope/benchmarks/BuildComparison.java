package org.kvscope.benchmarks;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Two builds of inference-core in one JVM, each in its own class loader, timed round by round in
 * alternating order, so both see the same moments of a noisy host (separate JMH forks or
 * {@code kvscope bench} runs do not). Not a JMH benchmark: JMH runs one build's iterations after
 * the other's. Usage:
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks/jmh/target/benchmarks.jar
 * org.kvscope.benchmarks.BuildComparison MODEL TOKENS ROUNDS prefill|decode ROOT_A ROOT_B},
 * where ROOT is a checkout whose {@code inference-core/target/classes} is built. prefill: TOKENS
 * prompt tokens in one chunk, tok/s; decode: 16 decode steps after that prefill, tok/s. Round 0
 * warms both up; medians and quartiles of the rest. Two copies of one build read equal.
 */
public final class BuildComparison {
    private static final int DECODE_STEPS = 16;

    /** One build's inference session, driven by reflection through its own class loader. */
    private static final class Build {
        private final Object session;
        private final Method reset;
        private final Method prefill;
        private final Method decode;
        private final int[] tokens;

        Build(Path root, Path model, int promptTokens) throws ReflectiveOperationException, java.io.IOException {
            Path classes = root.resolve("inference-core/target/classes");
            if (!Files.isDirectory(classes)) {
                throw new IllegalArgumentException(classes + " is not there: build that checkout first (mvn -B -q -o -pl inference-core -am -DskipTests package)");
            }
            ClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Object loaded = loader.loadClass("org.kvscope.model.ModelLoader").getMethod("load", Path.class).invoke(null, model);
            Object config = loaded.getClass().getMethod("config").invoke(loaded);
            int vocab = (int) config.getClass().getMethod("vocabSize").invoke(config);
            tokens = new SplittableRandom(1).ints(promptTokens, 1, vocab).toArray();
            Class<?> optionsClass = loader.loadClass("org.kvscope.engine.SessionOptions");
            Object options = optionsClass.getConstructor(int.class, int.class).newInstance(promptTokens + 40, promptTokens);
            Class<?> sessionClass = loader.loadClass("org.kvscope.engine.InferenceSession");
            session = sessionClass.getConstructor(loader.loadClass("org.kvscope.model.Model"), optionsClass)
                    .newInstance(loaded, options);
            reset = sessionClass.getMethod("reset");
            prefill = sessionClass.getMethod("prefill", int[].class);
            decode = sessionClass.getMethod("decode", int.class);
        }

        /** Tokens per second of one prefill, or of the decode steps after it. */
        double tokensPerSecond(boolean decodeSteps) throws ReflectiveOperationException {
            reset.invoke(session);
            long start = System.nanoTime();
            prefill.invoke(session, (Object) tokens);
            if (!decodeSteps) {
                return tokens.length / ((System.nanoTime() - start) / 1e9);
            }
            start = System.nanoTime();
            for (int i = 0; i < DECODE_STEPS; i++) {
                decode.invoke(session, tokens[i]);
            }
            return DECODE_STEPS / ((System.nanoTime() - start) / 1e9);
        }
    }

    private BuildComparison() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 6 || !(args[3].equals("prefill") || args[3].equals("decode"))) {
            System.err.println("usage: BuildComparison MODEL TOKENS ROUNDS prefill|decode ROOT_A ROOT_B");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        int promptTokens = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        boolean decode = args[3].equals("decode");
        Path[] roots = {Path.of(args[4]), Path.of(args[5])};
        Build[] builds = {new Build(roots[0], model, promptTokens), new Build(roots[1], model, promptTokens)};
        List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round <= rounds; round++) {
            for (int i = 0; i < 2; i++) {
                int which = round % 2 == 0 ? i : 1 - i;
                double rate = builds[which].tokensPerSecond(decode);
                if (round > 0) {
                    rates.get(which).add(rate);
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            List<Double> r = rates.get(i);
            Collections.sort(r);
            System.out.printf("%-20s %s %d: median %.1f tok/s (q1 %.1f q3 %.1f, %d rounds)%n", roots[i], args[3],
                    promptTokens, r.get(r.size() / 2), r.get(r.size() / 4), r.get(3 * r.size() / 4), r.size());
        }
    }
}
