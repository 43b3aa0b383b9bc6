package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * The commands {@code org.kvscope.app.Main} runs itself because they need JavaFX: listed here so
 * that help shows them and {@code help NAME} prints their usage, without loading any JavaFX class.
 */
final class DesktopCommands {
    private DesktopCommands() {}

    /** A command described here and run by Main. */
    record Listed(String name, String summary, String usage) implements Command {
        @Override
        public int run(String[] argv, PrintStream out, PrintStream err) {
            throw new UsageException("'" + name + "' needs the desktop toolkit: run it as './kvscope " + name + "'");
        }
    }

    static final List<Command> ALL = List.of(
            new Listed("gui", "open the desktop workbench (the same as no command at all)", """
                    usage: kvscope gui [MODEL.gguf]
                      opens the workbench, loading MODEL.gguf when given (needs a display)"""),
            new Listed("screenshots", "render the workbench headless and write its screenshots (PNG)", """
                    usage: kvscope screenshots [--model FILE] [--out DIR]
                      --model FILE   GGUF model (default ../shared/models/stories260K.gguf)
                      --out DIR      directory for the PNG files, created if missing (default docs/images)"""),
            new Listed("bench-ui", "benchmark: workbench latency from a slider move to updated views", """
                    usage: kvscope bench-ui [--model FILE] [--tokens N] [--moves M] [--tab T]
                      --model FILE   GGUF model (default ../shared/models/stories260K.gguf)
                      --tokens N     prompt length in tokens, 16..1048576, cut to fit the model's context (default 512)
                      --moves M      slider moves timed, 5..10000 (default 60)
                      --tab T        view tab shown while timing, 0..5: Attention, Metrics, Evaluation, Compare,
                                     Tokens, Heads (default 0)"""));
}
