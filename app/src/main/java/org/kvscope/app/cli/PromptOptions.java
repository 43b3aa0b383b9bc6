package org.kvscope.app.cli;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Resolves --prompt / --text-file / --suite into prompt text. */
final class PromptOptions {
    private PromptOptions() {}

    static String text(Args a) {
        int given = (a.has("prompt") ? 1 : 0) + (a.has("text-file") ? 1 : 0) + (a.has("suite") ? 1 : 0);
        if (given != 1) {
            throw new UsageException("give exactly one of --prompt TEXT, --text-file FILE or --suite ID");
        }
        if (a.has("suite")) {
            return SuiteTexts.firstText(a.string("suite"));
        }
        if (a.has("prompt")) {
            return a.string("prompt");
        }
        if (a.has("text-file")) {
            try {
                return TextFiles.readUtf8(a, "text-file");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("unreachable");
    }
}
