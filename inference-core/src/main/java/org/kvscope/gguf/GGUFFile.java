package org.kvscope.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GGUFHeader header;
    private final Map<String, GGUFTensorInfo> tensorsByName;
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
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GGUFHeader header = GGUFHeaderParser.parse(mapping);
            return new GGUFFile(path, arena, mapping, header);
        } catch (GGUFException e) {
            arena.close();
            throw new GGUFException(path + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
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
        return mapping.asSlice(header.dataOffset() + t.offset(), t.byteSize()).asReadOnly();
    }

    /** Unmaps the file. Calling it again has no effect. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GGUFFile[" + path + ", v" + version() + ", " + tensors().size() + " tensors, "
                + metadata().size() + " keys]";
    }
}
