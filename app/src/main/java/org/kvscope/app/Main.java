package org.kvscope.app;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.kvscope.app.cli.Cli;
import org.kvscope.app.cli.GuiArguments;
import org.kvscope.app.cli.UsageException;
import org.kvscope.app.ui.WorkbenchApp;
import org.kvscope.app.ui.tools.UiCommands;

/**
 * Entry point of {@code ./kvscope}: with a command it runs the CLI, without one it opens the
 * desktop workbench.
 */
public final class Main {
    private Main() {}

    /** Why no window can open here (Linux without X11/Wayland and no headless Monocle), or null. */
    static String missingDisplay() {
        boolean linux = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
        boolean headless = "Monocle".equals(System.getProperty("glass.platform"));
        if (linux && !headless && isBlank(System.getenv("DISPLAY")) && isBlank(System.getenv("WAYLAND_DISPLAY"))) {
            return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)";
        }
        return null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    public static void main(String[] args) {
        try {
            args = KernelsOption.apply(PluginOption.apply(args, System.err));
        } catch (IllegalArgumentException e) {
            System.err.println("kvscope: " + org.kvscope.gguf.PrintableText.escape(e.getMessage(), 1000));
            System.exit(2);
        }
        if (args.length == 0 || args[0].equals("gui")) {
            List<String> model;
            try {
                model = GuiArguments.check(Arrays.asList(args).subList(Math.min(1, args.length), args.length))
                        .stream().map(Path::toString).toList();
            } catch (UsageException e) {
                System.err.println("kvscope gui: " + e.getMessage() + "\nrun 'kvscope help gui' for usage");
                System.exit(2);
                return;
            }
            String missing = missingDisplay();
            if (missing != null) {
                System.err.println("kvscope: cannot open the workbench: " + missing + ".\n"
                        + "Run it in a desktop session, use a command ('./kvscope help'), or render it headless with "
                        + "'./kvscope screenshots --out DIR'.");
                System.exit(2);
            }
            try {
                WorkbenchApp.launchApp(model.toArray(String[]::new));
            } catch (RuntimeException | LinkageError e) {
                String hint = String.valueOf(e.getMessage()).contains("GTK")
                        ? " (JavaFX needs GTK 3 on Linux, e.g. 'apt-get install libgtk-3-0')" : "";
                System.err.println("kvscope: the workbench could not start: " + e.getMessage() + hint);
                System.exit(1);
            }
            return;
        }
        if (UiCommands.handles(args[0])) {
            System.exit(UiCommands.run(args, System.out, System.err));
        }
        System.exit(Cli.standard().run(args, System.out, System.err));
    }
}
