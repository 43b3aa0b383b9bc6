package org.kvscope.app.cli;

import java.io.PrintStream;

/** One {@code kvscope} sub-command. */
public interface Command {
    String name();

    /** One line for the command list. */
    String summary();

    /** Full usage text. */
    String usage();

    /** Runs the command; returns the process exit code. */
    int run(String[] argv, PrintStream out, PrintStream err) throws Exception;
}
