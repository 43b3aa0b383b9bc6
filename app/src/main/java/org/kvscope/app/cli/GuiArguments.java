package org.kvscope.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kvscope.gguf.PrintableText;

/**
 * Checks {@code kvscope gui [MODEL.gguf]}'s arguments before any window opens, as every command checks
 * its own: at most one, an existing regular file (an option such as {@code --model} was taken for a
 * file named "--model", extra arguments were dropped).
 */
public final class GuiArguments {
    private GuiArguments() {}

    /**
     * @param args the arguments after {@code gui}
     * @return the model file to open, if any
     * @throws UsageException naming what is wrong and the form that works
     */
    public static List<Path> check(List<String> args) {
        for (String a : args) {
            if (a.startsWith("-")) {
                throw new UsageException("unknown option " + PrintableText.escape(a, PrintableText.MAX_CHARS) + "; give the model file itself:"
                        + " kvscope gui MODEL.gguf");
            }
        }
        if (args.size() > 1) {
            throw new UsageException("takes one MODEL.gguf file, got " + args.size() + " arguments");
        }
        if (args.isEmpty()) {
            return List.of();
        }
        if (args.getFirst().isBlank()) {
            throw new UsageException("the model file name is empty; give a MODEL.gguf file");
        }
        Path model = Path.of(args.getFirst());
        if (!Files.exists(model)) {
            throw new UsageException("model file not found: " + model);
        }
        if (!Files.isRegularFile(model)) {
            throw new UsageException("model is not a regular file: " + model);
        }
        return List.of(model);
    }
}
