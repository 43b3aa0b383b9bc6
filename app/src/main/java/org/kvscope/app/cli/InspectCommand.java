package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Set;
import org.kvscope.gguf.GGUFDump;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.model.WeightScan;

/** {@code kvscope inspect}: prints a GGUF file's metadata and tensor table. */
public final class InspectCommand implements Command {
    @Override public String name() { return "inspect"; }

    @Override public String summary() { return "print a GGUF file's metadata and tensor table"; }

    @Override
    public String usage() {
        return """
                usage: kvscope inspect --model FILE [--array-items N] [--check]
                """ + ModelOptions.usage(17) + """
                  --array-items N   array elements shown per metadata entry, 0..1000000 (default 8)
                  --check           also read every weight and report NaN or infinite values (exit 1 if any)
                """.stripTrailing();
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "array-items"), Set.of("check"));
        try (GGUFFile f = GGUFFile.open(a.existingFile("model"))) {
            out.println(GGUFDump.describe(f, a.integer("array-items", 8, 0, 1_000_000)));
            return a.flag("check") ? check(f, out, err) : 0;
        }
    }

    private static int check(GGUFFile f, PrintStream out, PrintStream err) {
        WeightScan.Result scan = WeightScan.scan(f);
        out.println("weights: " + scan.scanned() + " tensors read, " + (scan.clean() ? "all values finite"
                : scan.damaged().size() + " with NaN or infinite values")
                + (scan.skipped().isEmpty() ? "" : "; not read (unsupported type): " + String.join(", ", scan.skipped())));
        scan.damaged().forEach(d -> out.println("  " + d));
        if (!scan.clean()) {
            err.println("kvscope inspect: error: " + scan.damaged().getFirst() + (scan.damaged().size() > 1
                    ? " and " + (scan.damaged().size() - 1) + " more tensors" : "") + "; the file is damaged");
            return 1;
        }
        return 0;
    }
}
