package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.Set;
import org.kvscope.prompts.SuiteDescriptor;
import org.kvscope.prompts.Suites;

/** {@code kvscope suites}: the bundled evaluation suites, one line each. */
public final class SuitesCommand implements Command {
    @Override public String name() { return "suites"; }

    @Override public String summary() { return "list the bundled prompt suites (ids for --suite, --perplexity-suite, --needle-suite)"; }

    @Override
    public String usage() {
        return """
                usage: kvscope suites
                  one line per suite: id, kind (needle, perplexity or teaching) and title""";
    }

    @Override
    public int run(String[] argv, PrintStream out, PrintStream err) {
        Args.parse(name(), argv, 1, Set.of(), Set.of());
        int width = Suites.ids().stream().mapToInt(String::length).max().orElse(0);
        for (SuiteDescriptor s : Suites.all()) {
            out.printf("%-" + width + "s  %-10s  %s%n", s.id(), s.kind().name().toLowerCase(java.util.Locale.ROOT),
                    s.title());
        }
        return 0;
    }
}
