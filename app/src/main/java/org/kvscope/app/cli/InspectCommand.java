package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Set;
import org.kvscope.gguf.GGUFDump;
import org.kvscope.gguf.GGUFFile;

/** {@code kvscope inspect}: prints a GGUF file's metadata and tensor table. */
public final class InspectCommand implements Command {
    @Override public String name() { return "inspect"; }

    @Override public String summary() { return "print a GGUF file's metadata and tensor table"; }

    @Override
    public String usage() {
        return """
                usage: kvscope inspect --model FILE [--array-items N]
                  --array-items N   array elements shown per metadata entry (default 8)""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        Args a = Args.parse(name(), argv, 1, Set.of("model", "array-items"), Set.of());
        try (GGUFFile f = GGUFFile.open(a.existingFile("model"))) {
            out.println(GGUFDump.describe(f, a.integer("array-items", 8, 0, 1_000_000)));
        }
        return 0;
    }
}
