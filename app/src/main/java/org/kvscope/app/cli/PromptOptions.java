package org.kvscope.app.cli;

/** Resolves --prompt / --text-file / --suite into prompt text. */
final class PromptOptions {
    private PromptOptions() {}

    /** The help entries of --prompt, --text-file and --suite (exactly one is given). */
    static String usage(int width) {
        return ModelOptions.entry(width, "--prompt TEXT", "the prompt itself (give exactly one of these three)")
                + ModelOptions.entry(width, "--text-file FILE", "the prompt read from a UTF-8 text file")
                + ModelOptions.entry(width, "--suite ID", "first text of a perplexity or teaching suite ('kvscope suites')");
    }

    static String text(Args a) {
        int given = (a.has("prompt") ? 1 : 0) + (a.has("text-file") ? 1 : 0) + (a.has("suite") ? 1 : 0);
        if (given != 1) {
            throw new UsageException("give exactly one of --prompt TEXT, --text-file FILE or --suite ID");
        }
        if (a.has("suite")) {
            return SuiteTexts.firstText(a.string("suite"));
        }
        if (a.has("prompt")) {
            if (a.string("prompt").isBlank()) { // as a --text-file without text is
                throw new UsageException("--prompt holds no text (it is empty or only white space); give the prompt's text");
            }
            return a.string("prompt");
        }
        if (a.has("text-file")) {
            return TextFiles.readUtf8(a, "text-file");
        }
        throw new IllegalStateException("unreachable");
    }
}
