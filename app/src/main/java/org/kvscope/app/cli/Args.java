package org.kvscope.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed {@code --name value} options of one CLI command. Unknown options, missing values and
 * badly formed numbers raise {@link UsageException} naming the option and what is valid.
 */
public final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();

    private Args(String command) {
        this.command = command;
    }

    /**
     * @param allowed option names (without dashes) this command accepts; flags take no value
     */
    public static Args parse(String command, String[] argv, int from, Set<String> allowed, Set<String> flags) {
        Args a = new Args(command);
        for (int i = from; i < argv.length; i++) {
            String arg = argv[i];
            if (!arg.startsWith("-")) {
                throw new UsageException(command + ": unexpected argument '" + arg + "'; options start with --");
            }
            String name = arg.replaceFirst("^--?", "");
            String inline = null;
            int eq = name.indexOf('=');
            if (eq > 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!allowed.contains(name) && !flags.contains(name)) {
                if (allowed.isEmpty() && flags.isEmpty()) {
                    throw new UsageException(command + ": takes no options, got " + arg);
                }
                throw new UsageException(command + ": unknown option " + arg.replaceFirst("=.*", "") + "; valid: "
                        + String.join(", ", java.util.stream.Stream.concat(allowed.stream().sorted(), flags.stream().sorted())
                                .map(Args::display).toList()));
            }
            if (a.values.containsKey(name)) {
                throw new UsageException(command + ": option " + display(name) + " is given twice; give it once");
            }
            if (flags.contains(name)) {
                if (inline != null && !inline.equals("true") && !inline.equals("false")) {
                    throw new UsageException(command + ": " + display(name) + " is a switch: give it alone, or as "
                        + display(name) + "=true / " + display(name) + "=false (got '" + inline + "')");
                }
                a.values.put(name, inline == null ? "true" : inline);
                continue;
            }
            if (inline == null) {
                if (i + 1 >= argv.length) {
                    throw new UsageException(command + ": option " + display(name) + " needs a value");
                }
                inline = argv[++i];
            }
            a.values.put(name, inline);
        }
        return a;
    }

    public boolean has(String name) { return values.containsKey(name); }

    public boolean flag(String name) { return Boolean.parseBoolean(values.getOrDefault(name, "false")); }

    public String string(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(command + ": missing required option " + display(name));
        }
        return v;
    }

    public String string(String name, String fallback) { return values.getOrDefault(name, fallback); }

    public int integer(String name, int fallback, int min, int max) {
        return integer(name, fallback, min, max, null);
    }

    /**
     * An integer option whose range comes from something else (the prompt, the model); {@code why}
     * says what, e.g. "the prompt has 40 tokens".
     */
    public int integer(String name, int fallback, int min, int max, String why) {
        String because = why == null ? "" : " (" + why + ")";
        if (!has(name)) {
            return fallback;
        }
        String v = values.get(name);
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                throw new UsageException(command + ": " + display(name) + " must be in " + min + ".." + max + because
                        + ", was " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + display(name) + " must be an integer in " + min + ".." + max + because
                    + ", was '" + v + "'");
        }
    }

    /**
     * A comma-separated option's entries, trimmed, or {@code fallback} when it is not given.
     *
     * @throws UsageException for an empty entry, or an entry given twice
     */
    public List<String> list(String name, List<String> fallback) {
        if (!has(name)) {
            return fallback;
        }
        String v = values.get(name);
        List<String> items = java.util.Arrays.stream(v.split(",", -1)).map(String::trim).toList();
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).isEmpty()) {
                throw new UsageException(command + ": " + display(name) + " has an empty entry, was '" + v
                        + "'; give comma-separated values");
            }
            if (items.indexOf(items.get(i)) != i) {
                throw new UsageException(command + ": " + display(name) + " names " + items.get(i) + " twice; give each once");
            }
        }
        return items;
    }

    public long longValue(String name, long fallback) {
        if (!has(name)) {
            return fallback;
        }
        try {
            return Long.parseLong(values.get(name).trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + display(name) + " must be an integer, was '" + values.get(name) + "'");
        }
    }

    public double number(String name, double fallback, double min, double max) {
        return number(name, fallback, min, true, max);
    }

    /** A number in (min, max]: {@code min} itself is not valid. */
    public double numberAbove(String name, double fallback, double min, double max) {
        return number(name, fallback, min, false, max);
    }

    private double number(String name, double fallback, double min, boolean minValid, double max) {
        if (!has(name)) {
            return fallback;
        }
        String v = values.get(name);
        String range = (minValid ? "[" : "(") + format(min) + ", " + format(max) + "]";
        try {
            double d = Double.parseDouble(v.trim());
            if (!((minValid ? d >= min : d > min) && d <= max)) {
                throw new UsageException(command + ": " + display(name) + " must be in " + range + ", was " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + display(name) + " must be a number in " + range + ", was '" + v + "'");
        }
    }

    /** How the user writes an option: {@code -n} for a one-letter name, else {@code --name}. */
    static String display(String name) {
        return (name.length() == 1 ? "-" : "--") + name;
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** An existing regular file given by option {@code name}. */
    public Path existingFile(String name) {
        if (string(name).isBlank()) {
            throw new UsageException(command + ": " + display(name) + " is empty; give a file name");
        }
        Path p = Path.of(string(name));
        if (!Files.exists(p)) {
            throw new UsageException(command + ": " + display(name) + " file not found: " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw new UsageException(command + ": " + display(name) + " is not a regular file: " + p);
        }
        return p;
    }
}
