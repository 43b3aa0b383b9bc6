package org.kvscope.app.report;

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
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes output files so that readers see either the old or the new content, never a partial one.
 * Only regular files (new ones, or existing ones reached directly or through symbolic links) are
 * replaced atomically: a temporary file next to the real target takes the old file's permissions
 * and is then moved over it, so a symbolic link stays a link and a 0644 file stays 0644. Anything
 * else that already exists (a device such as {@code /dev/null}, a FIFO, {@code /dev/stdout}) is
 * written directly and never replaced. A directory is refused.
 */
public final class AtomicFiles {
    private static final int MAX_LINKS = 40;

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
        Path real = resolveLinks(target);
        if (Files.isDirectory(real)) {
            throw new FileSystemException(target.toString(), null, "is a directory; give a file name");
        }
        if (!Files.exists(real) && isSpecialFileSystem(real)) {
            throw new FileSystemException(target.toString(), null, noNewFiles(real));
        }
        if (Files.exists(real) && !Files.isRegularFile(real) || isSpecialFileSystem(real)) {
            writeDirectly(real, producer);
            return;
        }
        Files.createDirectories(real.getParent());
        Path tmp = createSibling(real);
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
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Why {@code target} cannot be written, checked without writing it: a directory, a missing or
     * non-directory parent, a read-only file, or a directory where no file can be created (a probe
     * file is created and deleted there). Empty when it can be written.
     */
    public static Optional<String> problem(Path target) {
        Path real;
        try {
            real = resolveLinks(target);
        } catch (IOException e) {
            return Optional.of(reason(e));
        }
        if (Files.isDirectory(real)) {
            return Optional.of("is a directory; give a file name");
        }
        if (!Files.exists(real) && isSpecialFileSystem(real)) {
            return Optional.of(noNewFiles(real));
        }
        if (Files.exists(real)) {
            if (!Files.isWritable(real)) {
                return Optional.of("is not writable (permission denied)");
            }
            if (!Files.isRegularFile(real) || isSpecialFileSystem(real)) {
                return Optional.empty(); // written directly; opening a FIFO here would block
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

    /**
     * The absolute path {@code target}'s chain of symbolic links ends at (which need not exist yet);
     * a chain stops at the first link inside /dev or /proc.
     */
    static Path resolveLinks(Path target) throws IOException {
        Path p = target.toAbsolutePath().normalize();
        for (int i = 0; Files.isSymbolicLink(p); i++) {
            if (i == MAX_LINKS) {
                throw new FileSystemException(target.toString(), null, "too many levels of symbolic links");
            }
            if (isSpecialFileSystem(p)) {
                return p; // e.g. /dev/stdout -> /proc/self/fd/1 -> "pipe:[1234]": written in place, never followed
            }
            p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
        }
        return p;
    }

    /** /dev and /proc entries (e.g. /dev/stdout, /dev/fd/1) are written in place, never replaced. */
    private static boolean isSpecialFileSystem(Path real) {
        return real.startsWith("/dev") || real.startsWith("/proc");
    }

    /** Why a missing /dev or /proc entry cannot be written: those trees hold no user files. */
    private static String noNewFiles(Path real) {
        return "does not exist, and no file can be created in /" + real.getName(0);
    }

    private static void writeDirectly(Path real, Producer producer) throws IOException {
        Path tmp = Files.createTempFile("kvscope-out", ".tmp");
        try {
            producer.writeTo(tmp);
            try (OutputStream os = Files.newOutputStream(real, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                Files.copy(tmp, os);
            }
        } finally {
            Files.deleteIfExists(tmp);
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
