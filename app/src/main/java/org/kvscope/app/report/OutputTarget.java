package org.kvscope.app.report;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * How an output path is written, decided from what it names and without writing it: a regular (or
 * new) file is replaced atomically; a character device, FIFO or socket (such as {@code /dev/null} or
 * {@code /dev/stdout}) is written in place; a directory, a block device and anything on a kernel
 * pseudo-file system ({@code /proc}, {@code /sys}, cgroups, ...), whose "files" are kernel settings,
 * are refused. The file system is told by its type, with the {@code /proc} and {@code /sys} prefixes
 * only as a fallback where the type cannot be read.
 *
 * @param real    the path after following the user's chain of symbolic links
 * @param action  how it is written
 * @param refusal why it is refused (empty unless {@code action} is {@link Action#REFUSE})
 */
public record OutputTarget(Path real, Action action, String refusal) {
    /** File system types whose entries are kernel interfaces, never user files. */
    static final Set<String> PSEUDO_FILE_SYSTEMS = Set.of("proc", "sysfs", "cgroup", "cgroup2", "debugfs",
            "tracefs", "securityfs", "configfs", "bpf", "pstore", "efivarfs", "fusectl", "binfmt_misc",
            "selinuxfs", "nsfs", "rpc_pipefs", "mqueue", "autofs");
    /** File system types that hold existing devices but where no new regular file belongs. */
    private static final Set<String> DEVICE_FILE_SYSTEMS = Set.of("devtmpfs", "devpts");
    private static final int MAX_LINKS = 40;

    /** What an output path can be written as. */
    public enum Action { REPLACE_ATOMICALLY, WRITE_IN_PLACE, REFUSE }

    /** What a path names, as far as choosing how to write it goes. */
    enum Node { MISSING, DIRECTORY, REGULAR, CHARACTER_DEVICE, BLOCK_DEVICE, FIFO, SOCKET }

    /** Looks at {@code target} (stat calls only, nothing is opened) and decides how to write it. */
    public static OutputTarget of(Path target) throws IOException {
        Path real = resolveLinks(target);
        Node node = node(real);
        Path existing = node == Node.MISSING ? nearestExistingAncestor(real) : real;
        return decide(real, node, fileSystemType(existing));
    }

    /**
     * The decision itself, from the facts {@link #of} gathers.
     *
     * @param fsType the type of the file system holding {@code real} (of its nearest existing
     *               directory when it is missing), or null when it could not be read
     */
    static OutputTarget decide(Path real, Node node, String fsType) {
        String type = fsType != null ? fsType
                : real.startsWith("/proc") ? "proc" : real.startsWith("/sys") ? "sysfs" : null;
        boolean pseudo = type != null && PSEUDO_FILE_SYSTEMS.contains(type);
        return switch (node) {
            case DIRECTORY -> refuse(real, "is a directory; give a file name");
            case BLOCK_DEVICE -> refuse(real, "is a block device (a disk); give a file name");
            case CHARACTER_DEVICE, FIFO, SOCKET -> new OutputTarget(real, Action.WRITE_IN_PLACE, "");
            case MISSING -> pseudo || DEVICE_FILE_SYSTEMS.contains(type)
                    ? refuse(real, "does not exist, and no file can be created in /" + real.getName(0)
                            + " (a " + type + " file system)")
                    : new OutputTarget(real, Action.REPLACE_ATOMICALLY, "");
            case REGULAR -> pseudo
                    ? refuse(real, "is a kernel setting on the " + type + " file system, not a file; give a file elsewhere")
                    // e.g. /dev/stdout redirected to a file: written through the link, never replaced
                    : new OutputTarget(real, inLinkTree(real) ? Action.WRITE_IN_PLACE : Action.REPLACE_ATOMICALLY, "");
        };
    }

    private static OutputTarget refuse(Path real, String why) {
        return new OutputTarget(real, Action.REFUSE, why);
    }

    /**
     * The absolute path {@code target}'s chain of symbolic links ends at (which need not exist yet);
     * a chain stops at the first link inside /dev or /proc (e.g. /dev/stdout, /proc/self/fd/1), whose
     * targets such as {@code pipe:[1234]} are no paths.
     */
    static Path resolveLinks(Path target) throws IOException {
        Path p = target.toAbsolutePath().normalize();
        for (int i = 0; Files.isSymbolicLink(p); i++) {
            if (i == MAX_LINKS) {
                throw new FileSystemException(target.toString(), null, "too many levels of symbolic links");
            }
            if (inLinkTree(p)) {
                return p;
            }
            p = p.resolveSibling(Files.readSymbolicLink(p)).normalize();
        }
        return p;
    }

    private static boolean inLinkTree(Path p) {
        return p.startsWith("/dev") || p.startsWith("/proc");
    }

    /** The kind of file {@code real} names, following links (so /dev/stdout reports the pipe or file behind it). */
    static Node node(Path real) throws IOException {
        if (!Files.exists(real)) {
            return Node.MISSING;
        }
        int mode;
        try {
            mode = (Integer) Files.getAttribute(real, "unix:mode");
        } catch (NoSuchFileException e) {
            return Node.MISSING;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Files.isDirectory(real) ? Node.DIRECTORY : Files.isRegularFile(real) ? Node.REGULAR : Node.CHARACTER_DEVICE;
        }
        return switch (mode & 0170000) {
            case 0040000 -> Node.DIRECTORY;
            case 0020000 -> Node.CHARACTER_DEVICE;
            case 0060000 -> Node.BLOCK_DEVICE;
            case 0010000 -> Node.FIFO;
            case 0140000 -> Node.SOCKET;
            default -> Node.REGULAR;
        };
    }

    private static Path nearestExistingAncestor(Path real) {
        Path p = real.getParent();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? real.getRoot() : p;
    }

    /** The file system type of an existing path (e.g. "ext4", "proc"), or null when it cannot be read. */
    private static String fileSystemType(Path existing) {
        try {
            return existing == null ? null : Files.getFileStore(existing).type();
        } catch (IOException | SecurityException e) {
            return null; // e.g. a pipe behind /dev/stdout has no mount entry
        }
    }
}
