package org.kvscope.app.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.PrintableText;

/**
 * The {@code kvscope} command line: dispatches to a {@link Command} and turns every failure into
 * a one-line message on stderr (a stack trace only with {@code KVSCOPE_DEBUG=1}).
 */
public final class Cli {
    /** Longest error message printed, in characters: a bound for text quoted from a damaged file. */
    private static final int MAX_MESSAGE = 1000;
    private final List<Command> commands = new ArrayList<>();

    public Cli(List<Command> commands) {
        this.commands.addAll(commands);
    }

    public static Cli standard() {
        List<Command> all = new ArrayList<>(List.of(new GenerateCommand(), new PerplexityCommand(), new SynthCommand(),
                new BenchCommand(), new InspectCommand(), new AnalyzeCommand(), new SweepCommand(),
                new NeedleCommand(), new BenchPoliciesCommand(), new SuitesCommand(),
                new ScoreAgreementCommand(), new HeadsCommand()));
        all.addAll(DesktopCommands.ALL);
        return new Cli(all);
    }

    public List<Command> commands() { return List.copyOf(commands); }

    public int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help") || argv[0].equals("-h")) {
            if (argv.length > 1) {
                Command c = find(argv[1]);
                if (c == null) {
                    err.println("kvscope: unknown command '" + argv[1] + "'\n\n" + help());
                    return 2;
                }
                out.println(c.usage());
                return 0;
            }
            out.println(help());
            return 0;
        }
        Command command = find(argv[0]);
        if (command == null) {
            err.println("kvscope: unknown command '" + argv[0] + "'\n\n" + help());
            return 2;
        }
        for (String a : argv) {
            if (a.equals("--help") || a.equals("-h")) {
                out.println(command.usage());
                return 0;
            }
        }
        try {
            return command.run(argv, out, err);
        } catch (UsageException e) {
            err.println("kvscope " + command.name() + ": " + e.getMessage()
                    .replaceFirst("^" + command.name() + ": ", ""));
            err.println("run 'kvscope help " + command.name() + "' for usage");
            return 2;
        } catch (NoSuchFileException e) {
            return fail(err, command, "file not found: " + e.getFile(), e);
        } catch (AccessDeniedException e) {
            return fail(err, command, "permission denied: " + e.getFile(), e);
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException
                 | UnsupportedOperationException e) {
            return fail(err, command, e.getMessage(), e);
        } catch (InternalError e) {
            return fail(err, command, GGUFFile.describeMappingFault(e), e);
        } catch (OutOfMemoryError e) {
            return fail(err, command, "out of memory: " + e.getMessage()
                    + " (raise the heap with KVSCOPE_JAVA_OPTS=-Xmx16g)", e);
        } catch (Exception e) {
            return fail(err, command, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static int fail(PrintStream err, Command command, String message, Throwable e) {
        err.println("kvscope " + command.name() + ": error: " + PrintableText.escapeUnprintable(message, MAX_MESSAGE));
        if ("1".equals(System.getenv("KVSCOPE_DEBUG"))) {
            e.printStackTrace(err);
        }
        return 1;
    }

    private Command find(String name) {
        return commands.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    public String help() {
        StringBuilder sb = new StringBuilder("kvscope — attention and KV-cache workbench\n\nusage: kvscope [COMMAND] [OPTIONS]\n"
                + "       kvscope            (no command) opens the desktop workbench\n\ncommands:\n");
        for (Command c : commands) {
            sb.append(String.format("  %-15s %s%n", c.name(), c.summary()));
        }
        sb.append("\nglobal option: --plugins DIR   load policy plugin jars from DIR (also ~/.kvscope/plugins)");
        sb.append("\nglobal option: --kernels native|java   native (the default): decode and prefill products over"
                + " quantized weights in native code, the input rounded to 8 bits as llama.cpp does, and F32/F16/BF16"
                + " decode products in native float code, BF16 prefill products with the input rounded to BF16 where"
                + " the CPU has AVX-512 BF16; java: the exact Java float kernels");
        sb.append("\nrun 'kvscope help COMMAND' for a command's options");
        return sb.toString();
    }
}
