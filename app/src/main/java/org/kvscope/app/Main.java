package org.kvscope.app;

import org.kvscope.app.cli.Cli;
import org.kvscope.app.ui.WorkbenchApp;
import org.kvscope.app.ui.tools.UiCommands;

/**
 * Entry point of {@code ./kvscope}: with a command it runs the CLI, without one it opens the
 * desktop workbench.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("gui")) {
            WorkbenchApp.launchApp(args.length == 0 ? new String[0] : java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (UiCommands.handles(args[0])) {
            System.exit(UiCommands.run(args, System.out, System.err));
        }
        System.exit(Cli.standard().run(args, System.out, System.err));
    }
}
