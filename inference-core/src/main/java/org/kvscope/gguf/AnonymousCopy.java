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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

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
    /** At most this many threads copy one stretch. */
    static final int MAX_THREADS = 8;

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
        fill(channel, from, memory.asSlice(0, length), threads(length));
        return memory.asSlice(0, length);
    }

    /**
     * Threads the copy runs on: {@code kvscope.threads} (else the available processors), at most {@link #MAX_THREADS}
     * and one per chunk. The first touch of fresh anonymous memory is most of a copy's time (copy29, load30).
     */
    static int threads(long length) {
        int wanted = Integer.getInteger("kvscope.threads", Runtime.getRuntime().availableProcessors());
        return (int) Math.max(1, Math.min(Math.min(wanted, MAX_THREADS), Math.ceilDiv(length, CHUNK)));
    }

    /**
     * Fills {@code into} with the file's bytes from {@code from} on, {@code threads} threads (the caller and plain
     * helper threads, joined before return) claiming 8 MiB chunks in file order with positional reads. Chunks are
     * claimed in order, so of all the chunks that failed the first in the file is always read, and its error, the one
     * a single thread would have met, is the one thrown.
     */
    static void fill(FileChannel channel, long from, MemorySegment into, int threads) throws IOException {
        Chunks chunks = new Chunks(channel, from, into);
        List<Thread> helpers = new ArrayList<>();
        try {
            for (int i = 1; i < threads; i++) {
                helpers.add(Thread.ofPlatform().daemon().name("kvscope-load-copy-" + i).start(chunks::run));
            }
        } catch (OutOfMemoryError | RuntimeException e) {
            // no thread to be had: those started and the caller copy it all
        }
        chunks.run();
        boolean interrupted = false;
        for (Thread helper : helpers) {
            while (true) {
                try {
                    helper.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        chunks.rethrow();
    }

    /** The chunks of one copy, claimed in file order by the threads that run it, and the first failure in the file. */
    private static final class Chunks {
        private final FileChannel channel;
        private final long from;
        private final MemorySegment into;
        private final AtomicLong next = new AtomicLong();
        private volatile boolean stopped;
        private long failedAt = Long.MAX_VALUE; // guarded by this
        private Throwable failure; // guarded by this

        Chunks(FileChannel channel, long from, MemorySegment into) {
            this.channel = channel;
            this.from = from;
            this.into = into;
        }

        void run() {
            for (long done; !stopped && (done = next.getAndAdd(CHUNK)) < into.byteSize(); ) {
                ByteBuffer buffer = into.asSlice(done, Math.min(CHUNK, into.byteSize() - done)).asByteBuffer();
                try {
                    read(buffer, from + done);
                } catch (Throwable t) {
                    failed(from + done + buffer.position(), t);
                    stopped = true; // no new claims; those already claimed, earlier in the file, finish
                    return;
                }
            }
        }

        private void read(ByteBuffer buffer, long position) throws IOException {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new IOException("the model file ended at byte " + (position + buffer.position())
                            + " while its tensors were copied into memory (" + (from + into.byteSize())
                            + " bytes expected): it changed while loading; run again to load it afresh");
                }
            }
        }

        private synchronized void failed(long at, Throwable t) {
            if (at < failedAt) {
                failedAt = at;
                failure = t;
            }
        }

        synchronized void rethrow() throws IOException {
            switch (failure) {
                case null -> { }
                case IOException e -> throw e;
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IOException(failure);
            }
        }
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
