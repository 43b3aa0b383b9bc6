package org.kvscope.app;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kvscope.kv.PolicyPlugins;

/**
 * The global {@code --plugins DIR} option: loads policy plugin jars from {@code ~/.kvscope/plugins}
 * and from DIR before any command or the workbench starts, and prints one line per plugin
 * problem (the application carries on without that plugin). A DIR the user named (with the option
 * or {@code KVSCOPE_PLUGINS}) that is missing, not a directory or unreadable is a usage error, as a
 * missing {@code --model} file is, found before anything is loaded.
 */
public final class PluginOption {
    /** Environment variable naming an extra plugin directory (used when no --plugins is given). */
    public static final String ENV = "KVSCOPE_PLUGINS";

    private PluginOption() {}

    /**
     * Loads the plugins and returns the arguments without {@code --plugins DIR}.
     *
     * @throws IllegalArgumentException when --plugins has no value, or names no readable directory
     */
    public static String[] apply(String[] args, PrintStream err) {
        List<String> rest = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--plugins")) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(NEEDS_DIRECTORY);
                }
                dirs.add(directory("--plugins", args[++i]));
            } else if (args[i].startsWith("--plugins=")) {
                dirs.add(directory("--plugins", args[i].substring("--plugins=".length())));
            } else {
                rest.add(args[i]);
            }
        }
        String env = System.getenv(ENV);
        if (dirs.isEmpty() && env != null && !env.isBlank()) {
            dirs.add(directory(ENV, env));
        }
        report(PolicyPlugins.loadUserPlugins(), err);
        for (Path dir : dirs) {
            report(PolicyPlugins.load(dir), err);
            if (!holdsJars(dir)) {
                err.println("kvscope: note: plugin directory " + dir + " holds no *.jar file; no plugin loaded from it");
            }
        }
        return rest.toArray(String[]::new);
    }

    private static final String NEEDS_DIRECTORY = "--plugins needs a directory of plugin jars";

    /** The directory {@code value} of {@code source} (the option or the variable), checked. */
    private static Path directory(String source, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(NEEDS_DIRECTORY + ", was '" + value + "'");
        }
        Path dir;
        try {
            dir = Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(source + " " + value + ": not a valid path (" + e.getReason() + ")");
        }
        String problem = !Files.exists(dir) ? "no such directory"
                : !Files.isDirectory(dir) ? "not a directory"
                : !Files.isReadable(dir) ? "directory cannot be read (permission denied)" : null;
        if (problem != null) {
            throw new IllegalArgumentException(source + " " + dir + ": " + problem
                    + "; give the directory that holds the plugin jars");
        }
        return dir;
    }

    private static boolean holdsJars(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".jar"));
        } catch (java.io.IOException e) {
            return true; // PolicyPlugins.load has named the directory it could not read
        }
    }

    private static void report(PolicyPlugins.Report r, PrintStream err) {
        r.problems().forEach(p -> err.println("kvscope: " + p));
    }
}
