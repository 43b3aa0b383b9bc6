import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.model.Model;
import org.kvscope.model.ModelLoader;

/**
 * Issue 15's per-session slow mode, with no policy at all: two sessions prefill the same 2,048-token prompt with
 * FullKV in turns, chunk by chunk, each on its own thread (as bench-policies' pairs, {@code LockstepPrefill}), and
 * each pair's ratio b ÷ a is printed with each session's process CPU over its turns. Any steady offset is a state of
 * one session or its thread. After the warm-up and after every pair (each follows a full collection, which may move
 * arrays) it prints where each session's hot arrays lie: the
 * address of element 0 modulo 64 (a cache line) of its KV cache's arrays (a histogram over layers × kv heads), its
 * forward pass's scratch and its thread's thread-local kernel buffers (read through sun.misc.Unsafe: diagnostics only,
 * zero-based compressed oops assumed, as for heaps under 32 GiB). Each pair line also counts, per session, the CPU
 * its thread was on at the end of each of its chunks, and each CPU's steal ticks over the pair; with
 * {@code -Daa.pin=A,B,W} the two sessions' threads and the parallel workers are pinned to those CPUs first.
 * usage, from the repository root after a reactor build:
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -XX:MaxNewSize=16m
 * -cp "app/target/classes:app/target/lib/*" scripts/SessionAA.java MODEL PAIRS
 */
public class SessionAA {
    static final int N = 2048;
    static final sun.misc.Unsafe U = unsafe();
    static final int SHIFT = Integer.numberOfTrailingZeros(Integer.parseInt(ManagementFactory
            .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("ObjectAlignmentInBytes")
            .getValue()));
    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) throws Exception {
        int pairs = Integer.parseInt(args[1]);
        try (Model model = ModelLoader.load(Path.of(args[0]))) {
            int[] prompt = new SplittableRandom(5).ints(N, 3, model.config().vocabSize()).toArray();
            SessionOptions options = SessionOptions.ofContext(Math.min(model.config().contextLength(), 2 * N + 128));
            ExecutorService[] threads = {thread("lockstep-a"), thread("lockstep-b")};
            try (InferenceSession a = new InferenceSession(model, options);
                 InferenceSession b = new InferenceSession(model, options)) {
                InferenceSession[] sessions = {a, b};
                for (ExecutorService t : threads) {
                    t.submit(() -> null).get(); // started, so that their names can be found
                }
                pin();
                for (int w = 0; w < 2; w++) {
                    pair(sessions, threads, prompt, w % 2);
                }
                layout(sessions, threads, "after the warm-up");
                List<Double> ratios = new ArrayList<>();
                for (int p = 0; p < pairs; p++) {
                    System.gc();
                    long[][] t = pair(sessions, threads, prompt, p % 2);
                    double r = (double) t[1][0] / t[0][0];
                    ratios.add(r);
                    System.out.printf("pair %d (%s first): a %.1f ms, b %.1f ms, b/a %+.1f%%; CPU a %.0f b %.0f ms; chunks"
                                    + " ending on cpu0/cpu1: a %d/%d, b %d/%d; steal cpu0 %d cpu1 %d ticks%n", p + 1,
                            p % 2 == 0 ? "a" : "b", t[0][0] / 1e6, t[1][0] / 1e6, 100 * (r - 1), t[0][1] / 1e6,
                            t[1][1] / 1e6, t[0][2], t[0][3], t[1][2], t[1][3], t[2][0], t[2][1]);
                    layout(sessions, threads, "after pair " + (p + 1));
                }
                double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                System.out.printf("b/a median %+.1f%% [%+.1f..%+.1f] over %d pairs%n",
                        100 * (sorted[sorted.length / 2] / 2 + sorted[(sorted.length - 1) / 2] / 2 - 1),
                        100 * (sorted[0] - 1), 100 * (sorted[sorted.length - 1] - 1), sorted.length);
            } finally {
                for (ExecutorService t : threads) {
                    t.shutdownNow();
                }
            }
        }
    }

    /** Both prefills in turns, chunk by chunk; per session {nanoseconds, process CPU nanoseconds} over its turns. */
    static long[][] pair(InferenceSession[] sessions, ExecutorService[] threads, int[] prompt, int first)
            throws Exception {
        for (InferenceSession s : sessions) {
            s.reset();
        }
        Semaphore[] turn = {new Semaphore(first == 0 ? 1 : 0), new Semaphore(first == 0 ? 0 : 1)};
        AtomicBoolean[] done = {new AtomicBoolean(), new AtomicBoolean()};
        List<Future<long[]>> spent = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            int me = s, other = 1 - s;
            spent.add(threads[s].submit(() -> {
                long[] held = {0, 0, 0, 0, 0, 0};
                turn[me].acquire();
                held[1] = System.nanoTime();
                held[3] = OS.getProcessCpuTime();
                try {
                    sessions[me].prefill(prompt, () -> {
                        held[4 + cpu("thread-self")]++;
                        if (!done[other].get()) {
                            held[0] += System.nanoTime() - held[1];
                            held[2] += OS.getProcessCpuTime() - held[3];
                            turn[other].release();
                            turn[me].acquireUninterruptibly();
                            held[1] = System.nanoTime();
                            held[3] = OS.getProcessCpuTime();
                        }
                    });
                    held[0] += System.nanoTime() - held[1];
                    held[2] += OS.getProcessCpuTime() - held[3];
                } finally {
                    done[me].set(true);
                    turn[other].release();
                }
                return new long[] {held[0], held[2], held[4], held[5]};
            }));
        }
        long[] steal0 = steal();
        long[] a = spent.get(0).get(), b = spent.get(1).get(), steal1 = steal();
        return new long[][] {a, b, {steal1[0] - steal0[0], steal1[1] - steal0[1]}};
    }

    /** The CPU that task {@code task} (a path under /proc) last ran on: field 39 of its stat line. */
    static int cpu(String task) {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", task, "stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[36]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Steal ticks of cpu0 and cpu1 (/proc/stat). */
    static long[] steal() throws java.io.IOException {
        long[] out = new long[2];
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/stat"))) {
            for (int c = 0; c < 2; c++) {
                if (line.startsWith("cpu" + c + " ")) {
                    out[c] = Long.parseLong(line.trim().split("\\s+")[8]);
                }
            }
        }
        return out;
    }

    /**
     * With -Daa.pin=A,B,W: the threads lockstep-a, lockstep-b and the parallel workers each pinned to that CPU
     * (taskset), or left free where the entry is "-".
     */
    static void pin() throws Exception {
        String spec = System.getProperty("aa.pin");
        if (spec == null) {
            return;
        }
        String[] cpus = spec.split(",");
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String comm = java.nio.file.Files.readString(task.resolve("comm")).trim();
                int i = comm.equals("lockstep-a") ? 0 : comm.equals("lockstep-b") ? 1 : comm.startsWith("kvscope-paral") ? 2 : -1;
                if (i >= 0 && !cpus[i].equals("-")) {
                    Process p = new ProcessBuilder("taskset", "-p", "-c", cpus[i], task.getFileName().toString())
                            .redirectErrorStream(true).start();
                    System.out.println("pinned " + comm + " " + task.getFileName() + ": "
                            + new String(p.getInputStream().readAllBytes()).trim().replace('\n', ' '));
                    p.waitFor();
                }
            }
        }
    }

    static void layout(InferenceSession[] sessions, ExecutorService[] threads, String when) throws Exception {
        System.out.println("where the hot arrays start, address mod 64, " + when + ":");
        for (int s = 0; s < 2; s++) {
            Object backend = field(sessions[s], "backend");
            Object cache = field(backend, "cache");
            Object forward = field(backend, "forward");
            Object scratch = field(forward, "s");
            StringBuilder line = new StringBuilder("  session " + (char) ('a' + s) + ": cache keys "
                    + histogram((float[][]) field(cache, "keys")) + ", values " + histogram((float[][]) field(cache, "values")));
            for (String f : List.of("x", "xb", "k", "v", "hb", "hb2")) {
                line.append(", ").append(f).append(' ').append(line((float[]) field(scratch, f)));
            }
            line.append(", headKeysT ").append(histogram((float[][]) field(scratch, "headKeysT")));
            line.append(", scores ").append(histogram((float[][]) field(scratch, "scores")));
            int me = s;
            line.append(threads[s].submit(() -> threadLocals(me)).get());
            System.out.println(line);
        }
    }

    /** The calling thread's thread-local kernel buffers (those the prefill uses), address mod 64. */
    static String threadLocals(int session) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String[] f : new String[][] {{"org.kvscope.backend.cpu.CpuForward", "RANGE_SCORES"},
                {"org.kvscope.backend.cpu.AttentionKernels", "PACKED"},
                {"org.kvscope.backend.cpu.AttentionKernels", "KEYS_T"}, {"org.kvscope.tensor.FloatTensor", "PACKED"},
                {"org.kvscope.tensor.FloatTensor", "TILE"}, {"org.kvscope.tensor.FloatTensor", "TRANSPOSED"}}) {
            Field tl = Class.forName(f[0]).getDeclaredField(f[1]);
            tl.setAccessible(true);
            float[][] held = (float[][]) ((ThreadLocal<?>) tl.get(null)).get();
            out.append(", ").append(f[0].substring(f[0].lastIndexOf('.') + 1)).append('.').append(f[1]).append(' ')
                    .append(held[0].length == 0 ? "-" : line(held[0]));
        }
        return out.toString();
    }

    static String histogram(float[][] arrays) {
        TreeMap<Long, Integer> count = new TreeMap<>();
        for (float[] x : arrays) {
            if (x != null) {
                count.merge(address(x) % 64, 1, Integer::sum);
            }
        }
        return count.toString();
    }

    static String line(float[] x) {
        return Long.toString(address(x) % 64);
    }

    /** Address of x[0]. */
    static long address(float[] x) {
        Object[] holder = {x};
        long narrow = U.getInt(holder, (long) sun.misc.Unsafe.ARRAY_OBJECT_BASE_OFFSET) & 0xFFFFFFFFL;
        return (narrow << SHIFT) + sun.misc.Unsafe.ARRAY_FLOAT_BASE_OFFSET;
    }

    static Object field(Object o, String name) throws Exception {
        for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // the superclass's
            }
        }
        throw new NoSuchFieldException(name);
    }

    static ExecutorService thread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
