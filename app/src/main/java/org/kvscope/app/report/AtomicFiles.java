package org.kvscope.app.report;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes output files so that readers see either the old or the new content, never a partial one.
 * Only regular files (new ones, or existing ones reached directly or through symbolic links) are
 * replaced atomically: a temporary file next to the real target takes the old file's permissions
 * and is then moved over it, so a symbolic link stays a link and a 0644 file stays 0644. A
 * character device, FIFO or socket ({@code /dev/null}, {@code /dev/stdout}) is written in place and
 * never replaced, the process's own standard output and error through the descriptors it was given; a directory, a block device and kernel pseudo-files under /proc or /sys are
 * refused (see {@link OutputTarget}).
 */
public final class AtomicFiles {
    /** Temporary files being written; when the JVM shuts down (Ctrl-C, SIGTERM) they are deleted, so none is left. */
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> PENDING.forEach(AtomicFiles::deleteQuietly),
                "kvscope-temporary-files"));
    }

    private AtomicFiles() {}

    /** Produces a file's content at the path it is given. */
    @FunctionalInterface
    public interface Producer {
        void writeTo(Path file) throws IOException;
    }

    /** Writes {@code bytes} to {@code target}: atomically onto a regular file, directly onto anything else. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, file -> Files.write(file, bytes));
    }

    /**
     * Lets {@code producer} write a temporary file, then puts it in place: moved atomically over a
     * regular (or new) target, copied into any other kind of existing target.
     */
    public static void write(Path target, Producer producer) throws IOException {
        try {
            replaceOrWrite(target, producer);
        } catch (IOException e) {
            // the user's path and the reason, never the temporary file's name
            FileSystemException named = new FileSystemException(target.toString(), null, reason(e));
            named.initCause(e);
            throw named;
        }
    }

    private static void replaceOrWrite(Path target, Producer producer) throws IOException {
        OutputTarget t = OutputTarget.of(target);
        Path real = t.real();
        switch (t.action()) {
            case REFUSE -> throw new FileSystemException(target.toString(), null, t.refusal());
            case WRITE_IN_PLACE -> writeInPlace(real, producer);
            case REPLACE_ATOMICALLY -> replace(real, producer);
        }
    }

    private static void replace(Path real, Producer producer) throws IOException {
        Files.createDirectories(real.getParent());
        Path tmp = pending(createSibling(real));
        try {
            // the old file's owner and mode, or a new file's defaults (a producer may replace tmp)
            PosixFileAttributes keep = posixAttributes(Files.exists(real) ? real : tmp);
            producer.writeTo(tmp);
            apply(keep, tmp);
            try {
                Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            done(tmp);
        }
    }

    /**
     * Why {@code target} cannot be written, checked without writing it: a refused target (see
     * {@link OutputTarget}), a missing or non-directory parent, a read-only file, or a directory
     * where no file can be created (a probe file is created and deleted there). Empty when it can
     * be written.
     */
    public static Optional<String> problem(Path target) {
        OutputTarget t;
        try {
            t = OutputTarget.of(target);
        } catch (IOException e) {
            return Optional.of(reason(e));
        }
        Path real = t.real();
        if (t.action() == OutputTarget.Action.REFUSE) {
            return Optional.of(t.refusal());
        }
        if (Files.exists(real)) {
            if (!Files.isWritable(real)) {
                return Optional.of("is not writable (permission denied)");
            }
            if (t.action() == OutputTarget.Action.WRITE_IN_PLACE) {
                return Optional.empty(); // opening a FIFO here would block
            }
        }
        Path dir = real.getParent();
        if (!Files.exists(dir)) {
            return Optional.of("directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            return Optional.of(dir + " is not a directory");
        }
        try {
            Files.delete(createSibling(real));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot create files in " + dir + " (" + reason(e) + ")");
        }
    }

    private static void writeInPlace(Path real, Producer producer) throws IOException {
        Path tmp = pending(Files.createTempFile("kvscope-out", ".tmp"));
        try {
            producer.writeTo(tmp);
            int stream = standardStream(real);
            if (stream > 0) {
                // through the descriptor the process was given, at its offset and in its mode ('>>' appends),
                // not a second open of the file behind it, which truncated it; not closed: it is the process's
                (stream == 1 ? System.out : System.err).flush();
                OutputStream os = new FileOutputStream(stream == 1 ? FileDescriptor.out : FileDescriptor.err);
                Files.copy(tmp, os);
                os.flush();
                return;
            }
            try (OutputStream os = Files.newOutputStream(real, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                Files.copy(tmp, os);
            }
        } finally {
            done(tmp);
        }
    }

    /**
     * 1 or 2 when {@code real} names this process's own standard output or error ({@code /dev/stdout},
     * {@code /dev/fd/1}, {@code /proc/self/fd/1}, ...), else -1.
     */
    static int standardStream(Path real) {
        String path = real.toString();
        long pid = ProcessHandle.current().pid();
        for (int fd = 1; fd <= 2; fd++) {
            if (path.equals(fd == 1 ? "/dev/stdout" : "/dev/stderr") || path.equals("/dev/fd/" + fd)
                    || path.equals("/proc/self/fd/" + fd) || path.equals("/proc/thread-self/fd/" + fd)
                    || path.equals("/proc/" + pid + "/fd/" + fd)) {
                return fd;
            }
        }
        return -1;
    }

    private static Path pending(Path tmp) {
        PENDING.add(tmp);
        return tmp;
    }

    private static void done(Path tmp) throws IOException {
        try {
            Files.deleteIfExists(tmp);
        } finally {
            PENDING.remove(tmp);
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // shutting down: nothing left to tell
        }
    }

    /** A new empty file next to {@code real}, created with the default (umask) permissions of a new file. */
    private static Path createSibling(Path real) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = real.resolveSibling("." + real.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static PosixFileAttributes posixAttributes(Path file) throws IOException {
        return Files.getFileAttributeView(file, PosixFileAttributeView.class) == null ? null
                : Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static void apply(PosixFileAttributes attributes, Path to) throws IOException {
        if (attributes == null) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        try {
            view.setGroup(attributes.group());
            view.setOwner(attributes.owner());
        } catch (IOException | SecurityException e) {
            // only a privileged user may give a file away; the permissions below still apply
        }
        view.setPermissions(attributes.permissions());
    }

    /** Why an operation failed, in words and without the path it failed on (which may be a temporary file). */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "file exists";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException) {
            return e.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
