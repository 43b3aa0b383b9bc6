package org.kvscope.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Locale;

/**
 * A private copy of a stretch of a model file in anonymous memory backed by 2 MiB pages (Linux: {@code mmap} of
 * anonymous memory, {@code madvise(MADV_HUGEPAGE)}, filled by {@code pread} from the file, as llama.cpp's
 * {@code --no-mmap} loads). Its pages are the process's own, so the speed a token streams them at no longer depends
 * on how the page cache happens to hold the file (folio sizes another reader left, the 4 KiB entries they are then
 * mapped with: docs/BENCHMARKS.md, f32d22 and f32d23). The file mapping's pages of the stretch are never touched, so
 * the copy replaces them in the resident set instead of adding to it.
 */
final class AnonymousCopy {

    static final long HUGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    static final long CHUNK = 8L << 20;

    private AnonymousCopy() {}

    /**
     * Copies {@code [from, to)} of the file into anonymous memory that lives until {@code arena} closes: the copy,
     * 2 MiB-aligned, or null where anonymous memory cannot be had this way (not Linux, no native access, mmap failed).
     *
     * @throws IOException if the file cannot be read, or ends before {@code to} (it changed while loading)
     */
    static MemorySegment copy(FileChannel channel, long from, long to, Arena arena) throws IOException {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux") || to <= from) {
            return null;
        }
        long length = to - from;
        MemorySegment memory;
        try {
            memory = Native.mapAligned(Math.ceilDiv(length, HUGE) * HUGE, arena);
        } catch (Throwable t) {
            return null;
        }
        if (memory == null) {
            return null;
        }
        HugePageAdvice.advise(memory, new long[] {0}, new long[] {memory.byteSize()});
        for (long done = 0; done < length; ) {
            ByteBuffer into = memory.asSlice(done, Math.min(CHUNK, length - done)).asByteBuffer();
            while (into.hasRemaining()) {
                int n = channel.read(into, from + done + into.position());
                if (n < 0) {
                    throw new IOException("the model file ended at byte " + (from + done + into.position())
                            + " while its tensors were copied into memory (" + to + " bytes expected): it changed"
                            + " while loading; run again to load it afresh");
                }
            }
            done += into.capacity();
        }
        return memory.asSlice(0, length);
    }

    /** mmap and munmap through FFM, linked on first use. */
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));

        /** {@code length} bytes (a multiple of 2 MiB) at a 2 MiB-aligned address, unmapped when the arena closes. */
        static MemorySegment mapAligned(long length, Arena arena) throws Throwable {
            long raw = (long) MMAP.invokeExact(0L, length + HUGE, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (raw == -1L) {
                return null;
            }
            long start = Math.ceilDiv(raw, HUGE) * HUGE;
            unmap(raw, start - raw);
            unmap(start + length, raw + HUGE - start);
            return MemorySegment.ofAddress(start).reinterpret(length, arena, s -> unmap(start, length));
        }

        private static void unmap(long address, long length) {
            if (length > 0) {
                try {
                    int unused = (int) MUNMAP.invokeExact(address, length); // fails only for a bad range
                } catch (Throwable t) {
                    throw new IllegalStateException("munmap failed", t);
                }
            }
        }
    }
}
