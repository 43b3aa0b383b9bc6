package org.kvscope.app.ui.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.kvscope.app.report.AtomicFiles;
import org.kvscope.app.ui.view.MainWindow;
import org.kvscope.gguf.PrintableText;
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
            // every value checked before the toolkit starts or the model is read (issue 16 item 8)
            if (argv[0].equals("screenshots")) {
                Path model = model(rest);
                return ScreenshotCommand.run(model, outputDirectory(option(rest, "--out", "docs/images")), out);
            }
            int tokens = intOption(rest, "--tokens", 512, 16, 1 << 20);
            int moves = intOption(rest, "--moves", 60, 5, 10_000);
            int tab = intOption(rest, "--tab", 0, 0, MainWindow.VIEW_COUNT - 1);
            return UiBenchCommand.run(model(rest), tokens, moves, tab, out);
        } catch (IllegalArgumentException e) {
            err.println("kvscope " + argv[0] + ": " + e.getMessage());
            err.println("usage: kvscope " + argv[0] + " [--model FILE] "
                    + (argv[0].equals("screenshots") ? "[--out DIR]" : "[--tokens N] [--moves M] [--tab T]"));
            return 2;
        } catch (Exception e) {
            err.println("kvscope " + argv[0] + ": " + e);
            return 1;
        }
    }

    private static Path model(String[] args) {
        String given = option(args, "--model", null);
        if (given != null) {
            Path model = Path.of(given);
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("--model " + given + ": "
                        + (Files.exists(model) ? "is not a regular file; give a GGUF model file" : "file not found"));
            }
            return model;
        }
        return SharedModels.find("stories260K.gguf").orElseThrow(() ->
                new IllegalArgumentException("no --model given and " + SharedModels.missingMessage("stories260K.gguf")));
    }

    /** An integer option in {@code lo..hi}, or {@code def} when absent. */
    static int intOption(String[] args, String name, int def, int lo, int hi) {
        String given = option(args, name, null);
        if (given == null) {
            return def;
        }
        int v;
        try {
            v = Integer.parseInt(given.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer in " + lo + ".." + hi + ", was '"
                    + PrintableText.escape(given, PrintableText.MAX_CHARS) + "'");
        }
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + " must be in " + lo + ".." + hi + ", was " + v);
        }
        return v;
    }

    /** The screenshots' directory, created if missing; refused before any rendering when no PNG can be written there. */
    static Path outputDirectory(String given) {
        Path dir = Path.of(given);
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException("--out " + given + ": is not a directory; give a directory for the PNG files");
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + given + ": cannot create the directory (" + AtomicFiles.reason(e) + ")");
        }
        AtomicFiles.problem(dir.resolve("attention.png")).ifPresent(why -> {
            throw new IllegalArgumentException("--out " + given + ": " + why);
        });
        return dir;
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
