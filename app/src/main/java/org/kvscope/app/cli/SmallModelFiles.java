package org.kvscope.app.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.kvscope.backend.cpu.CpuBackend;
import org.kvscope.model.Model;

/**
 * The launcher's list of model files that run on the CPU's scalar small-model path
 * ({@link CpuBackend#runsScalar}), one line per file: size in bytes, modification time in whole
 * seconds and real path, as {@code stat -L -c '%s %Y'} and {@code realpath} print them. The
 * launcher starts {@code analyze} and {@code generate} on a listed file with C1 alone: on those
 * models C2's compilations cost more CPU than the code they speed up (docs/BENCHMARKS.md, issue 16).
 * The list is the system property {@value #PROPERTY}, set by the launcher; without it nothing is
 * written. A changed file no longer matches its line, so a stale line only goes unused.
 */
final class SmallModelFiles {
    /** The system property naming the list. */
    static final String PROPERTY = "kvscope.small-models";

    private SmallModelFiles() {}

    /** Adds {@code path} to the list when {@code model} (loaded from it) runs on the scalar path; never throws. */
    static void record(Path path, Model model) {
        String list = System.getProperty(PROPERTY);
        if (list == null || list.isBlank() || !CpuBackend.runsScalar(model)) {
            return;
        }
        try {
            add(Path.of(list), line(path));
        } catch (IOException | RuntimeException e) {
            // only a hint: the next start takes the default compilers
        }
    }

    /** The list's line for a file. */
    static String line(Path path) throws IOException {
        Path real = path.toRealPath();
        return Files.size(real) + " " + Files.getLastModifiedTime(real).to(TimeUnit.SECONDS) + " " + real;
    }

    /** Appends {@code line} unless the list holds it (one short append: concurrent writers do not interleave). */
    static void add(Path list, String line) throws IOException {
        if (line.indexOf('\n') >= 0) {
            return; // a path with a line break cannot be matched line by line
        }
        if (Files.exists(list) && Files.readAllLines(list, StandardCharsets.UTF_8).contains(line)) {
            return;
        }
        Files.writeString(list, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }
}
