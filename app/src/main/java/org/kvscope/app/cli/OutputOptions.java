package org.kvscope.app.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kvscope.app.report.AtomicFiles;
import org.kvscope.app.report.ReportFiles;

/** The {@code --out*} options of a command: checked before any work starts, written at the end. */
final class OutputOptions {
    private OutputOptions() {}

    /**
     * Checks every given output option: each must name a writable file (or device), and no two may
     * name the same one.
     *
     * @throws UsageException naming the option, the user's path and the reason
     */
    static void check(Args a, String... options) {
        Map<Path, String> seen = new HashMap<>();
        for (String option : options) {
            if (!a.has(option)) {
                continue;
            }
            Path p = path(a, option);
            AtomicFiles.problem(p).ifPresent(reason -> {
                throw new UsageException("--" + option + " " + p + ": " + reason);
            });
            String other = seen.put(p.toAbsolutePath().normalize(), option);
            if (other != null) {
                throw new UsageException("--" + other + " and --" + option + " name the same file " + p);
            }
        }
    }

    /** True when any of the options is given (the report then goes there, not to stdout). */
    static boolean anyGiven(Args a, String... options) {
        for (String o : options) {
            if (a.has(o)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A report: the JSON to {@code --out-json}, the CSV table to {@code --out-csv}, and the JSON to
     * stdout when neither file is asked for.
     */
    static void writeReport(Args a, PrintStream out, String json, List<String> header, List<List<Object>> csv)
            throws IOException {
        if (a.has("out-json")) {
            write(a, "out-json", json);
        } else if (!a.has("out-csv")) {
            out.println(json);
        }
        if (a.has("out-csv")) {
            write(a, "out-csv", ReportFiles.csv(header, csv));
        }
    }

    /** Writes UTF-8 text to the file of option {@code option} (atomically onto a regular file). */
    static void write(Args a, String option, String content) throws IOException {
        Path p = path(a, option);
        try {
            ReportFiles.writeAtomically(p, content);
        } catch (IOException e) {
            throw new IOException("--" + option + " " + p + ": cannot write: " + AtomicFiles.reason(e), e);
        }
    }

    static Path path(Args a, String option) {
        String s = a.string(option);
        if (s.isBlank()) { // Path.of("") is the working directory: say what was given, not "is a directory"
            throw new UsageException("--" + option + " is empty; give a file name");
        }
        try {
            return Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UsageException("--" + option + " is not a valid path: " + e.getReason());
        }
    }
}
