import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Two builds of inference-core in one JVM, each in its own class loader, timed round by round in
 * alternating order: AB MODEL TOKENS ROUNDS prefill|decode ROOT_A ROOT_B (ROOT = a checkout whose
 * inference-core/target/classes is built). prefill = TOKENS prompt tokens in one chunk, tok/s;
 * decode = 16 decode steps after that prefill, tok/s. On a noisy host this resolves what
 * separate `kvscope bench` runs cannot; two copies of one build read equal.
 */
public class AB {
  static final class Build {
    final Object session; final Method reset, prefill, decode; final int[] tokens;
    Build(String root, String model, int n) throws Exception {
      ClassLoader cl = new URLClassLoader(new URL[]{Path.of(root, "inference-core/target/classes").toUri().toURL()},
          ClassLoader.getPlatformClassLoader());
      Object m = cl.loadClass("org.kvscope.model.ModelLoader").getMethod("load", Path.class).invoke(null, Path.of(model));
      Object config = m.getClass().getMethod("config").invoke(m);
      int vocab = (int) config.getClass().getMethod("vocabSize").invoke(config);
      tokens = new SplittableRandom(1).ints(n, 1, vocab).toArray();
      Class<?> optionsClass = cl.loadClass("org.kvscope.engine.SessionOptions");
      Object options = optionsClass.getConstructor(int.class, int.class).newInstance(n + 40, n);
      Class<?> sessionClass = cl.loadClass("org.kvscope.engine.InferenceSession");
      Constructor<?> c = sessionClass.getConstructor(cl.loadClass("org.kvscope.model.Model"), optionsClass);
      session = c.newInstance(m, options);
      reset = sessionClass.getMethod("reset");
      prefill = sessionClass.getMethod("prefill", int[].class);
      decode = sessionClass.getMethod("decode", int.class);
    }
    double run(boolean decodeSteps) throws Exception {
      reset.invoke(session);
      long t0 = System.nanoTime();
      prefill.invoke(session, (Object) tokens);
      if (!decodeSteps) return tokens.length / ((System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      for (int i = 0; i < 16; i++) decode.invoke(session, tokens[i]);
      return 16 / ((System.nanoTime() - t0) / 1e9);
    }
  }

  public static void main(String[] a) throws Exception {
    if (a.length != 6 || !(a[3].equals("prefill") || a[3].equals("decode"))) {
      System.err.println("usage: AB MODEL TOKENS ROUNDS prefill|decode ROOT_A ROOT_B");
      System.exit(2);
    }
    int n = Integer.parseInt(a[1]), rounds = Integer.parseInt(a[2]);
    boolean decode = a[3].equals("decode");
    String[] roots = {a[4], a[5]};
    Build[] builds = {new Build(roots[0], a[0], n), new Build(roots[1], a[0], n)};
    List<List<Double>> res = List.of(new ArrayList<>(), new ArrayList<>());
    for (int r = 0; r < rounds + 1; r++) {
      for (int i = 0; i < 2; i++) {
        int k = r % 2 == 0 ? i : 1 - i;
        double v = builds[k].run(decode);
        if (r > 0) res.get(k).add(v); // round 0 warms both up
      }
    }
    for (int i = 0; i < 2; i++) {
      List<Double> l = res.get(i); Collections.sort(l);
      System.out.printf("%-20s %s %d: median %.1f tok/s (q1 %.1f q3 %.1f, %d rounds)%n", roots[i], a[3], n,
          l.get(l.size() / 2), l.get(l.size() / 4), l.get(3 * l.size() / 4), l.size());
    }
  }
}
