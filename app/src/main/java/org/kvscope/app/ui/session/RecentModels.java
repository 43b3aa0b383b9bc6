package org.kvscope.app.ui.session;

import org.kvscope.app.report.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The most recently opened model files, newest first, persisted as a JSON array of paths
 * (by default {@code ~/.kvscope/recent.json}). The store can never stop the workbench: a missing,
 * unreadable, oversized or malformed file reads as an empty list, and entries that are not usable
 * paths (null, numbers, objects, blank strings, a NUL character, duplicates) are dropped; {@link #existing()} also
 * leaves out files that no longer exist.
 */
public final class RecentModels {
    public static final int LIMIT = 10;
    /** A store larger than this is not read (ten paths take a few kilobytes). */
    static final long MAX_BYTES = 256 * 1024;
    private static final int MAX_PATH_CHARS = 4096;
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

    /** Usable paths newest first, at most {@link #LIMIT}; never throws. */
    public List<Path> list() {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > MAX_BYTES) {
                return List.of();
            }
            JsonNode root = JSON.readTree(file.toFile());
            if (root == null || !root.isArray()) {
                return List.of();
            }
            List<Path> out = new ArrayList<>();
            for (JsonNode entry : root) {
                usablePath(entry).filter(p -> !out.contains(p)).ifPresent(out::add);
                if (out.size() == LIMIT) {
                    break;
                }
            }
            return List.copyOf(out);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** {@link #list()} without the files that no longer exist (what the workbench offers); never throws. */
    public List<Path> existing() {
        return list().stream().filter(p -> {
            try {
                return Files.isRegularFile(p);
            } catch (SecurityException e) {
                return false;
            }
        }).toList();
    }

    private static Optional<Path> usablePath(JsonNode entry) {
        if (entry == null || !entry.isTextual()) {
            return Optional.empty();
        }
        String text = entry.textValue();
        if (text.isBlank() || text.length() > MAX_PATH_CHARS || text.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(text).toAbsolutePath().normalize());
        } catch (InvalidPathException | java.io.IOError e) {
            return Optional.empty();
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
