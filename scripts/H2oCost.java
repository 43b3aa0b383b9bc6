import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.kv.PolicyRegistry;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

/**
 * Issue 15: a policy's own CPU in a 2,048-token prefill. Two sessions of one JVM prefill the same prompt in turns on
 * the calling thread, one with FullKV and one with the policy (budget 128), a full GC before each; per round it prints
 * each one's CPU, the calling thread's and the process's (the parallel worker's included), and the difference. Round 0
 * and 1 warm up. usage, from the repository root after a reactor build:
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:MaxNewSize=16m
 * [-Dkvscope.threads=1] -cp "app/target/classes:app/target/lib/*" scripts/H2oCost.java MODEL ROUNDS [POLICY]
 */
public class H2oCost {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[1]);
        String policy = args.length > 2 ? args[2] : "h2o";
        var bean = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Model model = ModelLoader.load(Path.of(args[0]))) {
            int n = 2048;
            int[] prompt = new SplittableRandom(5).ints(n, 3, model.config().vocabSize()).toArray();
            SessionOptions options = SessionOptions.ofContext(2 * n + 128);
            try (InferenceSession a = new InferenceSession(model, options);
                 InferenceSession b = new InferenceSession(model, options)) {
                b.setPolicy(PolicyRegistry.create(policy, Map.of("budget", 128)));
                double sumT = 0, sumP = 0; int counted = 0;
                for (int r = 0; r < rounds; r++) {
                    long[] t = new long[2], p = new long[2];
                    for (int k = 0; k < 2; k++) {
                        int s = (r + k) % 2;
                        InferenceSession x = s == 0 ? a : b;
                        System.gc();
                        x.reset();
                        long t0 = bean.getCurrentThreadCpuTime(), p0 = os.getProcessCpuTime();
                        x.prefill(prompt);
                        t[s] = bean.getCurrentThreadCpuTime() - t0;
                        p[s] = os.getProcessCpuTime() - p0;
                    }
                    System.out.printf("round %d: thread CPU fullkv %.0f %s %.0f (+%.0f ms); process CPU fullkv %.0f %s %.0f (+%.0f ms)%n",
                            r, t[0] / 1e6, policy, t[1] / 1e6, (t[1] - t[0]) / 1e6, p[0] / 1e6, policy, p[1] / 1e6, (p[1] - p[0]) / 1e6);
                    if (r >= 2) { sumT += (t[1] - t[0]) / 1e6; sumP += (p[1] - p[0]) / 1e6; counted++; }
                }
                System.out.printf("mean over rounds 2..: thread +%.0f ms, process +%.0f ms%n", sumT / counted, sumP / counted);
            }
        }
    }
}
