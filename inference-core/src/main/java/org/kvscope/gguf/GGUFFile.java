package org.kvscope.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (version 2 or 3) mapped read-only into memory. The header is parsed from the
 * mapping when the file is opened; tensor data stays in the mapping and is exposed as read-only
 * slices. Files larger than 2 GB are supported. Close the file to unmap it; slices obtained
 * from {@link #tensorData} are invalid afterwards.
 */
public final class GGUFFile implements AutoCloseable {

    /** Files mapped lately (most recent first), so that a fault reading one can be traced to the file that changed. */
    private static final Deque<Mapped> RECENT = new ArrayDeque<>();
    private static final int RECENT_LIMIT = 16;

    private record Mapped(Path path, long size) {}

    /** Bytes {@code [from, from + memory.byteSize())} of the file, copied into anonymous memory. */
    private record Copied(long from, MemorySegment memory) {}

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GGUFHeader header;
    private final Map<String, GGUFTensorInfo> tensorsByName;
    private volatile List<Copied> copies = List.of();
    private volatile boolean closed;

    private GGUFFile(Path path, Arena arena, MemorySegment mapping, GGUFHeader header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        Map<String, GGUFTensorInfo> byName = new LinkedHashMap<>();
        for (GGUFTensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = byName;
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GGUFException if the file is not a valid GGUF version 2 or 3 file; the message says
     *                       what is wrong, what is valid and at which byte offset
     * @throws IOException   if the file cannot be read
     */
    public static GGUFFile open(Path path) throws GGUFException, IOException {
        if (Files.isDirectory(path)) {
            throw new IOException("cannot read " + path + ": it is a directory; give a GGUF model file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            requireMappable(path, channel);
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GGUFHeader header = GGUFHeaderParser.parse(mapping);
            GGUFFile file = new GGUFFile(path, arena, mapping, header);
            remember(new Mapped(path, mapping.byteSize()));
            return file;
        } catch (GGUFException e) {
            arena.close();
            throw new GGUFException(path + ": " + e.getMessage(), e);
        } catch (FileSystemException e) {
            arena.close();
            throw FileErrors.readFailure(path, e);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A model is memory-mapped by its size, so only a regular file whose size is its content will
     * do: a device, FIFO or socket is refused, and so is a file that reports 0 bytes but has
     * content (a /proc or /sys file), instead of reading as an empty, "too short" GGUF.
     */
    private static void requireMappable(Path path, FileChannel channel) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("cannot read " + path + " as a model: it is not a regular file (a device, pipe or"
                    + " socket); give a GGUF model file");
        }
        if (channel.size() == 0 && channel.read(java.nio.ByteBuffer.allocate(1), 0) > 0) {
            throw new IOException("cannot read " + path + " as a model: it reports a size of 0 bytes but has content"
                    + " (a /proc or /sys file); give a GGUF model file");
        }
    }

    /** Format version (2 or 3). */
    public int version() { return header.version(); }

    /** The file this was opened from. */
    public Path path() { return path; }

    /** File size in bytes. */
    public long fileSize() { return mapping.byteSize(); }

    /** Alignment of the tensor-data section and of every tensor offset ({@code general.alignment}, default 32). */
    public long alignment() { return header.alignment(); }

    /** Absolute byte offset where the tensor-data section starts. */
    public long dataOffset() { return header.dataOffset(); }

    /** The key/value metadata. */
    public GGUFMetadata metadata() { return header.metadata(); }

    /** Tensor infos in file order. */
    public List<GGUFTensorInfo> tensors() { return header.tensors(); }

    /** The tensor with this name, if present. */
    public Optional<GGUFTensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /**
     * A read-only slice of the mapping holding the tensor's data ({@link GGUFTensorInfo#byteSize()} bytes).
     *
     * @throws IllegalArgumentException if the tensor does not belong to this file
     * @throws IllegalStateException    if the file is closed
     */
    public MemorySegment tensorData(GGUFTensorInfo t) {
        if (closed) {
            throw new IllegalStateException("GGUF file " + path + " is closed");
        }
        if (!t.equals(tensorsByName.get(t.name()))) {
            throw new IllegalArgumentException("tensor " + t + " is not a tensor of " + path);
        }
        long from = header.dataOffset() + t.offset();
        for (Copied c : copies) {
            if (c.from() <= from && from + t.byteSize() <= c.from() + c.memory().byteSize()) {
                return c.memory().asSlice(from - c.from(), t.byteSize()).asReadOnly();
            }
        }
        return mapping.asSlice(from, t.byteSize()).asReadOnly();
    }

    /**
     * Drops the header's pages (metadata and tensor table, 1.4 MiB on SmolLM2-135M, 3.7 MiB on Llama-3.2-1B)
     * from this process's resident memory once they have been read: a hint to the kernel (madvise), after which
     * a read of them, such as decoding a lazy array of strings, faults them back in from the page cache.
     */
    public synchronized void releaseHeaderPages() {
        if (!closed) {
            mapping.asSlice(0, header.dataOffset()).unload();
        }
    }

    /**
     * Copies these tensors' data into anonymous memory backed by 2 MiB pages (Linux; see {@link AnonymousCopy}):
     * {@link #tensorData} then slices the copy, so a token reads memory whose layout the page cache does not decide;
     * the mapping's pages of these tensors are never read, so the copy takes their place in the resident set. Give it
     * the tensors read whole at every token (as {@link #adviseHugePages}); slices taken before keep reading the mapping.
     * One pass over the file ({@code pread}, 8 MiB at a time, on {@code kvscope.threads} threads: the fresh memory's
     * first touch is most of its time); {@code -Dkvscope.mapping.copy=false}
     * leaves the file mapped. False where nothing was copied (switched off, not Linux, no anonymous memory to be had).
     *
     * @throws IOException if the file cannot be read or changed since it was opened
     */
    public synchronized boolean copyIntoMemory(Collection<GGUFTensorInfo> tensors) throws IOException {
        if (closed || tensors.isEmpty() || "false".equals(System.getProperty("kvscope.mapping.copy"))) {
            return false;
        }
        long[][] ranges = ranges(tensors);
        List<Copied> made = new java.util.ArrayList<>();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (channel.size() != mapping.byteSize()) {
                throw new IOException("model file " + path + " changed while loading (" + mapping.byteSize()
                        + " bytes when opened, now " + channel.size() + "); run again to load it afresh");
            }
            for (int i = 0; i < ranges[0].length; i++) {
                MemorySegment memory = AnonymousCopy.copy(channel, ranges[0][i], ranges[1][i], arena);
                if (memory == null) {
                    break;
                }
                made.add(new Copied(ranges[0][i], memory));
            }
        } catch (FileSystemException e) {
            throw FileErrors.readFailure(path, e);
        }
        if (made.isEmpty()) {
            return false;
        }
        made.addAll(copies);
        copies = List.copyOf(made);
        return true;
    }

    /**
     * Asks the OS to back these tensors' data with 2 MiB pages (Linux {@code madvise(MADV_HUGEPAGE)}, see
     * {@link HugePageAdvice}): give it the tensors read whole at every token, not those read a row at a time, whose
     * rows would then each keep 2 MiB resident. A hint: false where it was not taken, and nothing else changes.
     */
    public synchronized boolean adviseHugePages(Collection<GGUFTensorInfo> tensors) {
        if (closed || tensors.isEmpty()) {
            return false;
        }
        long[][] ranges = ranges(tensors);
        return HugePageAdvice.advise(mapping, ranges[0], ranges[1]).applied();
    }

    /** The tensors' data as file byte ranges {starts, ends}, in file order, neighbours (up to the alignment) merged. */
    private long[][] ranges(Collection<GGUFTensorInfo> tensors) {
        List<GGUFTensorInfo> sorted = tensors.stream().sorted(Comparator.comparingLong(GGUFTensorInfo::offset)).toList();
        long[] starts = new long[sorted.size()];
        long[] ends = new long[sorted.size()];
        int n = 0;
        for (GGUFTensorInfo t : sorted) {
            long from = header.dataOffset() + t.offset();
            long to = from + t.byteSize();
            if (n > 0 && from <= ends[n - 1] + header.alignment()) {
                ends[n - 1] = Math.max(ends[n - 1], to);
            } else {
                starts[n] = from;
                ends[n++] = to;
            }
        }
        return new long[][] {Arrays.copyOf(starts, n), Arrays.copyOf(ends, n)};
    }

    /**
     * Unmaps the file. Calling it again has no effect. While a native kernel still reads the mapping
     * it throws {@link IllegalStateException} and the file stays open, so the call can be repeated.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            arena.close();
            closed = true;
        }
    }

    /**
     * What a fault reading mapped memory most likely means, in one line. The JVM reports a read of
     * a mapping whose file has since shrunk as {@code InternalError: a fault occurred in an unsafe
     * memory access operation}; this names the open model file that changed, if one did.
     */
    public static String describeMappingFault(InternalError fault) {
        List<Mapped> recent;
        synchronized (RECENT) {
            recent = List.copyOf(RECENT);
        }
        for (Mapped f : recent) {
            long now = currentSize(f.path);
            if (now != f.size()) {
                return "model file " + f.path + " was truncated or replaced while in use (" + f.size()
                        + " bytes when loaded, " + (now < 0 ? "now gone" : "now " + now) + "): do not change a model"
                        + " file while kvscope reads it; run again to load it afresh";
            }
        }
        return "reading a memory-mapped model file failed (" + fault.getMessage() + "): the file was probably"
                + " truncated or changed while in use, or its disk failed; run again to load it afresh";
    }

    private static void remember(Mapped mapped) {
        synchronized (RECENT) {
            RECENT.remove(mapped);
            RECENT.addFirst(mapped);
            while (RECENT.size() > RECENT_LIMIT) {
                RECENT.removeLast();
            }
        }
    }

    private static long currentSize(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "GGUFFile[" + path + ", v" + version() + ", " + tensors().size() + " tensors, "
                + metadata().size() + " keys]";
    }
}
