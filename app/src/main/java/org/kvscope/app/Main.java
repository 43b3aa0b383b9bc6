package org.kvscope.app;

import org.kvscope.app.cli.Cli;

/**
 * Entry point of {@code ./kvscope}: with a command it runs the CLI, without one it opens the
 * desktop workbench.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("gui")) {
            System.out.println(Cli.standard().help());
            return;
        }
        System.exit(Cli.standard().run(args, System.out, System.err));
    }
}
