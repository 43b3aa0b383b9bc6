package org.kvscope.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks Linux to back parts of a read-only model mapping with 2 MiB pages: {@code madvise(MADV_HUGEPAGE)}. With it a
 * fault on a page that is not cached reads a whole 2 MiB page-cache folio, which the kernel then maps with one PMD
 * entry (THP "madvise" mode, ext4 and other file systems with large folios); without it the mapping's own faults read
 * smaller folios (on Linux 6.18 about 30% of the 1B F32 file ended up in 2 MiB folios after kvscope's first token,
 * against 99% with the advice, docs/BENCHMARKS.md thp20). Folios already cached keep their size. It is a hint: where
 * the call is not there or fails (another OS, a kernel without THP, no native access) nothing changes and the
 * reason is printed once under {@code -Dkvscope.mapping.debug=true}; {@code -Dkvscope.mapping.hugepages=false}
 * leaves the mapping alone.
 */
final class HugePageAdvice {

    /** Linux's {@code MADV_HUGEPAGE}. */
    static final int MADV_HUGEPAGE = 14;
    static final long PAGE = 4096;

    /** The system call, as {@code madvise(address, length, advice)}: 0, or the error number it failed with. */
    @FunctionalInterface
    interface Madvise {
        int call(long address, long length, int advice) throws Throwable;
    }

    /** What happened: the advice taken, or why not. */
    record Outcome(boolean applied, String reason) {}

    private static final boolean ENABLED = !"false".equals(System.getProperty("kvscope.mapping.hugepages"));
    private static final boolean DEBUG = Boolean.getBoolean("kvscope.mapping.debug");
    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    private HugePageAdvice() {}

    /**
     * Advises the page-aligned ranges {@code [starts[i], ends[i])} of {@code mapping} (offsets in bytes, widened to
     * whole 4 KiB pages). Never throws: a failure is returned, and printed once under the debug flag.
     */
    static Outcome advise(MemorySegment mapping, long[] starts, long[] ends) {
        Outcome o = ENABLED ? advise(mapping, starts, ends, System.getProperty("os.name", ""), Native::madvise)
                : new Outcome(false, "disabled by -Dkvscope.mapping.hugepages=false");
        if (DEBUG && REPORTED.compareAndSet(false, true)) {
            System.err.println("kvscope: 2 MiB pages for the model mapping: " + (o.applied() ? "advised" : o.reason()));
        }
        return o;
    }

    static Outcome advise(MemorySegment mapping, long[] starts, long[] ends, String osName, Madvise madvise) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return new Outcome(false, "not Linux (" + osName + "): madvise(MADV_HUGEPAGE) not tried");
        }
        long base = mapping.address();
        for (int i = 0; i < starts.length; i++) {
            long from = Math.max(0, Math.floorDiv(base + starts[i], PAGE) * PAGE - base);
            long to = Math.min(mapping.byteSize(), ends[i]);
            if (to <= from) {
                continue;
            }
            int error;
            try {
                error = madvise.call(base + from, to - from, MADV_HUGEPAGE);
            } catch (Throwable t) {
                return new Outcome(false, "madvise(MADV_HUGEPAGE) could not be called: " + t);
            }
            if (error != 0) {
                return new Outcome(false, "madvise(MADV_HUGEPAGE) failed with errno " + error
                        + (error == 22 ? " (EINVAL: a kernel without transparent huge pages)" : ""));
            }
        }
        return new Outcome(true, "");
    }

    /** The libc call through FFM, linked on first use. */
    private static final class Native {
        private static final StructLayout STATE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
        private static final MethodHandle MADVISE = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("madvise").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));

        static int madvise(long address, long length, int advice) throws Throwable {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(STATE);
                int r = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(address), length, advice);
                return r == 0 ? 0 : Math.max(1, (int) ERRNO.get(state, 0L));
            }
        }
    }
}
