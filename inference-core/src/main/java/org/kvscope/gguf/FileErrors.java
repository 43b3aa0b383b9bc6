package org.kvscope.gguf;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Turns the JDK's terse file-system exceptions (whose message is often just the path) into one clear line. */
public final class FileErrors {
    private FileErrors() {}

    /**
     * An exception saying what went wrong reading {@code path}: "cannot read PATH: permission
     * denied", "...: it is a directory", "file not found: PATH", or the system's reason.
     * The original exception is the cause.
     */
    public static IOException readFailure(Path path, IOException e) {
        return new IOException(readMessage(path, e), e);
    }

    /** {@link Files#readAllBytes}, failing with {@link #readFailure}'s message. */
    public static byte[] readAllBytes(Path path) throws IOException {
        try {
            return Files.readAllBytes(path);
        } catch (FileSystemException e) {
            throw readFailure(path, e);
        }
    }

    /** The message of {@link #readFailure}. */
    public static String readMessage(Path path, IOException e) {
        if (e instanceof NoSuchFileException) {
            return "file not found: " + path;
        }
        if (e instanceof AccessDeniedException) {
            return "cannot read " + path + ": permission denied";
        }
        if (Files.isDirectory(path)) {
            return "cannot read " + path + ": it is a directory, not a file";
        }
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        return "cannot read " + path + ": " + (reason == null || reason.isBlank() || reason.equals(path.toString())
                ? e.getClass().getSimpleName() : reason);
    }
}
