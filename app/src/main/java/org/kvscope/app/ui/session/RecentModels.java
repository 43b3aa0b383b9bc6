package org.kvscope.app.ui.session;

import org.kvscope.app.report.AtomicFiles;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The most recently opened model files, newest first, persisted as a JSON array of paths
 * (by default {@code ~/.kvscope/recent.json}). An unreadable file counts as an empty list.
 */
public final class RecentModels {
    public static final int LIMIT = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public RecentModels(Path file) {
        this.file = file;
    }

    /** The store in the user's home directory. */
    public static RecentModels standard() {
        return new RecentModels(Path.of(System.getProperty("user.home"), ".kvscope", "recent.json"));
    }

    public Path file() { return file; }

    /** Paths newest first; missing or unreadable store gives an empty list. */
    public List<Path> list() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<String> raw = JSON.readValue(file.toFile(), new TypeReference<List<String>>() {});
            return raw.stream().map(Path::of).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Moves {@code path} to the front (keeping at most {@link #LIMIT}) and saves; returns the new list. */
    public List<Path> add(Path path) throws IOException {
        Path abs = path.toAbsolutePath().normalize();
        List<Path> next = new ArrayList<>();
        next.add(abs);
        for (Path p : list()) {
            if (!p.equals(abs) && next.size() < LIMIT) {
                next.add(p);
            }
        }
        AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(next.stream().map(Path::toString).toList()));
        return List.copyOf(next);
    }
}
