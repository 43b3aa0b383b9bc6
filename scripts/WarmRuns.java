import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;

/**
 * Runs one CLI command N times in the same JVM and prints each run's wall and process CPU time:
 * the first run is the cold cost, the later ones what the work costs once compiled (issue 16,
 * docs/BENCHMARKS.md). usage, from the repository root after a reactor build:
 * java --add-modules jdk.incubator.vector -cp "app/target/classes:app/target/lib/*" scripts/WarmRuns.java N COMMAND ARGS...
 * With -Dwarm.jfr=FILE the second half of the runs is recorded by JFR (execution samples every 2 ms)
 * into FILE: a warm profile ({@code jfr print --events jdk.ExecutionSample FILE}).
 */
public class WarmRuns {
    public static void main(String[] a) throws java.io.IOException {
        int n = Integer.parseInt(a[0]);
        String[] args = java.util.Arrays.copyOfRange(a, 1, a.length);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        String jfr = System.getProperty("warm.jfr");
        jdk.jfr.Recording recording = null;
        for (int i = 0; i < n; i++) {
            if (jfr != null && i == n / 2) {
                recording = new jdk.jfr.Recording();
                recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(2));
                recording.start();
            }
            long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            int code = org.kvscope.app.cli.Cli.standard().run(args, sink, sink);
            System.out.printf("run %d: exit %d wall %.3f s cpu %.3f s%n", i, code, (System.nanoTime() - t0) / 1e9,
                    (os.getProcessCpuTime() - c0) / 1e9);
        }
        if (recording != null) {
            recording.stop();
            recording.dump(java.nio.file.Path.of(jfr));
        }
    }
}
