package org.kvscope.app;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kvscope.kv.PolicyPlugins;

/**
 * The global {@code --plugins DIR} option: loads policy plugin jars from {@code ~/.kvscope/plugins}
 * and from DIR before any command or the workbench starts, and prints one line per plugin
 * problem (the application carries on without that plugin).
 */
public final class PluginOption {
    /** Environment variable naming an extra plugin directory (used when no --plugins is given). */
    public static final String ENV = "KVSCOPE_PLUGINS";

    private PluginOption() {}

    /**
     * Loads the plugins and returns the arguments without {@code --plugins DIR}.
     *
     * @throws IllegalArgumentException when --plugins has no value
     */
    public static String[] apply(String[] args, PrintStream err) {
        List<String> rest = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--plugins")) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException("--plugins needs a directory of plugin jars");
                }
                dirs.add(Path.of(args[++i]));
            } else if (args[i].startsWith("--plugins=")) {
                dirs.add(Path.of(args[i].substring("--plugins=".length())));
            } else {
                rest.add(args[i]);
            }
        }
        String env = System.getenv(ENV);
        if (dirs.isEmpty() && env != null && !env.isBlank()) {
            dirs.add(Path.of(env));
        }
        report(PolicyPlugins.loadUserPlugins(), err);
        for (Path dir : dirs) {
            report(PolicyPlugins.load(dir), err);
        }
        return rest.toArray(String[]::new);
    }

    private static void report(PolicyPlugins.Report r, PrintStream err) {
        r.problems().forEach(p -> err.println("kvscope: " + p));
    }
}
