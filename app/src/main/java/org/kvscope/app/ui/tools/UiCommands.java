package org.kvscope.app.ui.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.kvscope.model.SharedModels;

/**
 * Commands that need the JavaFX toolkit: {@code screenshots} (renders the real workbench headless
 * and writes PNGs) and {@code bench-ui} (slider move → views updated latency).
 */
public final class UiCommands {
    private static final List<String> NAMES = List.of("screenshots", "bench-ui");

    private UiCommands() {}

    public static boolean handles(String command) {
        return NAMES.contains(command);
    }

    /** Runs the command; returns the process exit status. */
    public static int run(String[] argv, PrintStream out, PrintStream err) {
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        try {
            checkOptions(rest, argv[0].equals("screenshots") ? List.of("--model", "--out")
                    : List.of("--model", "--tokens", "--moves", "--tab"));
            Path model = model(rest);
            int code = switch (argv[0]) {
                case "screenshots" -> ScreenshotCommand.run(model, Path.of(option(rest, "--out", "docs/images")), out);
                case "bench-ui" -> UiBenchCommand.run(model, Integer.parseInt(option(rest, "--tokens", "512")),
                        Integer.parseInt(option(rest, "--moves", "60")), Integer.parseInt(option(rest, "--tab", "0")), out);
                default -> throw new IllegalArgumentException("unknown command " + argv[0]);
            };
            return code;
        } catch (IllegalArgumentException e) {
            String msg = e instanceof NumberFormatException ? "not a number: " + e.getMessage() : e.getMessage();
            err.println("kvscope " + argv[0] + ": " + msg);
            err.println("usage: kvscope " + argv[0] + " [--model FILE] "
                    + (argv[0].equals("screenshots") ? "[--out DIR]" : "[--tokens N] [--moves M] [--tab 0-3]"));
            return 2;
        } catch (Exception e) {
            err.println("kvscope " + argv[0] + ": " + e);
            return 1;
        }
    }

    private static Path model(String[] args) {
        String given = option(args, "--model", null);
        if (given != null) {
            return Path.of(given);
        }
        return SharedModels.find("stories260K.gguf").orElseThrow(() ->
                new IllegalArgumentException("no --model given and " + SharedModels.missingMessage("stories260K.gguf")));
    }

    /** Every argument must be a known option followed by its value. */
    static void checkOptions(String[] args, List<String> known) {
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i])) {
                throw new IllegalArgumentException("unknown option '" + args[i] + "'; valid: " + String.join(", ", known));
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
        }
    }

    static String option(String[] args, String name, String def) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }
}
