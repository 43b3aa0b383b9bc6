package org.kvscope.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.kvscope.gguf.GGMLType;

/**
 * The native matrix-vector kernels (libkvscope.so, built from {@code src/main/c} by
 * inference-core's Maven build where gcc is present), called through the foreign function API.
 * For quantized weights, as llama.cpp does, they quantize the input vector to 8 bits once per
 * product (per 256 values for Q4_K and Q6_K, per 32 for Q4_0 and Q8_0) and take each row's dot
 * product in integers (AVX-512 VNNI or AVX2 multiply-adds, chosen by the library at run time, or
 * portable scalar code), so results differ from the float kernels by that rounding. For F32, F16
 * and BF16 weights x stays float and each weight is converted exactly: results differ from the
 * Java float kernels only by the order of the float sums.
 *
 * <p>Used by default for Q4_0, Q8_0, Q4_K and Q6_K decode products (and prefill products, {@link NativeMatmul})
 * and for F32, F16 and BF16 decode products where the library loads;
 * {@code -Dkvscope.kernels=java} (or {@link #use}) keeps the exact float kernels in Java.
 */
public final class NativeKernels {
    /** Type codes of the library's kvs_matvec (quantized) and kvs_matvec_float (float weights). */
    static final int Q4_0 = 0, Q8_0 = 1, Q4_K = 2, Q6_K = 3, F32 = 4, F16 = 5, BF16 = 6;
    /** Bytes of the quantized input per 256 values (K-quants) and per 32 values (Q4_0, Q8_0). */
    static final int Q8K_BYTES = 320, Q8_0_BYTES = 40;
    private static final String RESOURCE = "/native/linux-x86_64/libkvscope.so";
    private static final String[] ISA_NAMES = {"scalar", "AVX2", "AVX-512 VNNI"};

    private static final Loaded LIB = Loaded.load();
    private static final MethodHandle MATVEC = LIB.handle("kvs_matvec", FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle MATVEC_FLOAT = LIB.handle("kvs_matvec_float", FunctionDescriptor.ofVoid(
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle QUANTIZE_Q8K = LIB.handle("kvs_quantize_q8k",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle QUANTIZE_Q8_0 = LIB.handle("kvs_quantize_q8_0",
            FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle ISA = LIB.handle("kvs_isa", FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle LIMIT_ISA = LIB.handle("kvs_limit_isa",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SHORT_ROWS_ONE_PASS = LIB.handle("kvs_float_short_rows_one_pass",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle AVX2_ROWS_PER_PASS = LIB.handle("kvs_float_avx2_rows_per_pass",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle AVX512_ROWS_PER_PASS = LIB.handle("kvs_float_avx512_rows_per_pass",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle AVX2_PASS_PREFETCH = LIB.handle("kvs_float_avx2_pass_prefetch",
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    private static final MethodHandle AVX512_START_PREFETCH = LIB.handle("kvs_float_avx512_start_prefetch",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /**
     * The library's count of faults (SIGBUS) its weight kernels took reading mapped memory, such as a model file
     * truncated while in use (kvscope_guard.h): its handler jumps out of the kernel instead of letting the JVM
     * die, and each call compares the count before and after. Null when the library did not load.
     */
    private static final MemorySegment FAULTS = LIB.guard();

    private static final String PROPERTY = "kvscope.kernels";
    /**
     * At most this instruction set for the library ({@code scalar}, {@code avx2} or {@code avx512}): an AVX-512 host
     * runs what an AVX2 one would, for tests and benchmarks (with {@code -Dkvscope.vector.bits=256} for the Java side).
     */
    private static final String ISA_PROPERTY = "kvscope.native.isa";
    private static volatile boolean useNative = true;
    private static volatile String choice = "";

    static {
        String requested = System.getProperty(PROPERTY);
        if (requested != null) {
            try {
                use(requested);
            } catch (IllegalArgumentException e) {
                choice = "; ignored -D" + PROPERTY + "=" + requested + " (valid: native, java)";
            }
        }
        String cap = System.getProperty(ISA_PROPERTY);
        if (cap != null && LIB.failure == null) {
            int level = java.util.List.of("scalar", "avx2", "avx512").indexOf(cap.toLowerCase(Locale.ROOT));
            if (level < 0) {
                choice += "; ignored -D" + ISA_PROPERTY + "=" + cap + " (valid: scalar, avx2, avx512)";
            } else {
                limitIsa(level);
            }
        }
    }

    private NativeKernels() {}

    /** A critical downcall (heap segments allowed) to another function of the library; null when it did not load. */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LIB.handle(name, descriptor);
    }

    /** Whether the library loaded (whatever {@link #use} chose). */
    public static boolean available() {
        return LIB.failure == null;
    }

    /** Why the library did not load, or null when it did. */
    public static String unavailableReason() {
        return LIB.failure;
    }

    /**
     * Chooses the kernels for quantized weights: "native" (the default; the Java kernels where the
     * library is unavailable) or "java" (the exact float kernels).
     *
     * @throws IllegalArgumentException for any other name
     */
    public static void use(String kernels) {
        switch (kernels.toLowerCase(Locale.ROOT)) {
            case "native" -> useNative = true;
            case "java" -> useNative = false;
            default -> throw new IllegalArgumentException("--kernels must be native or java, not '" + kernels + "'");
        }
        choice = "";
    }

    /** Whether quantized decode and prefill products run in the native library now. */
    public static boolean active() {
        return useNative && LIB.failure == null;
    }

    /** One line for benchmark headers: which kernels run quantized decode products, and why. */
    public static String describe() {
        if (!useNative) {
            return "kernels: java (exact float; --kernels java or -Dkvscope.kernels=java)" + choice;
        }
        if (LIB.failure != null) {
            return "kernels: java (native library unavailable: " + LIB.failure + ")" + choice;
        }
        return "kernels: native " + isaName() + " for Q4_0/Q8_0/Q4_K/Q6_K decode and prefill (8-bit activations) and"
                + " F32/F16/BF16 decode (float), " + (NativeMatmul.bf16Tiled() ? "BF16 prefill (BF16 activations), " : "")
                + "F16-cache decode attention (same floats as java), java elsewhere" + choice;
    }

    /** The instruction set the library uses ("AVX-512 VNNI", "AVX2", "scalar"). */
    public static String isaName() {
        return ISA_NAMES[call(() -> (int) ISA.invokeExact())];
    }

    /** Makes the library use at most instruction set level (0 scalar, 1 AVX2, 2 AVX-512 VNNI); returns the level used. Tests only. */
    static int limitIsa(int level) {
        return call(() -> (int) LIMIT_ISA.invokeExact(level));
    }

    /** Whether AVX-512 F32 decode reads rows under 2,048 columns one per pass (an L1 data cache of at most 32 KiB). Tests only. */
    static boolean floatShortRowsOnePass() {
        return call(() -> (int) SHORT_ROWS_ONE_PASS.invokeExact()) == 1;
    }

    /** Rows per pass (1 or 4) of AVX2 float decode for rows of {@code cols} columns of {@code type} (F32, F16, BF16). Tests only. */
    static int floatAvx2RowsPerPass(GGMLType type, int cols) {
        int code = typeCode(type);
        return call(() -> (int) AVX2_ROWS_PER_PASS.invokeExact(code, cols));
    }

    /** Rows per pass (1, 4 or 8) of AVX-512 float decode for rows of {@code cols} columns of {@code type}. Tests only. */
    static int floatAvx512RowsPerPass(GGMLType type, int cols) {
        int code = typeCode(type);
        return call(() -> (int) AVX512_ROWS_PER_PASS.invokeExact(code, cols));
    }

    /** How AVX2 float decode's four-row passes prefetch the next pass (2: a line at a time into L2). Tests only. */
    static int floatAvx2PassPrefetch() {
        return call(() -> (int) AVX2_PASS_PREFETCH.invokeExact());
    }

    /** Bytes of a call's first rows AVX-512 float decode prefetches as it starts, for {@code cols} columns of {@code type}. Tests only. */
    static int floatAvx512StartPrefetch(GGMLType type, int cols) {
        int code = typeCode(type);
        return call(() -> (int) AVX512_START_PREFETCH.invokeExact(code, cols));
    }

    /** The library's type code for a weight type, or -1 when it has no kernel for it. */
    static int typeCode(GGMLType type) {
        return switch (type) {
            case Q4_0 -> Q4_0;
            case Q8_0 -> Q8_0;
            case Q4_K -> Q4_K;
            case Q6_K -> Q6_K;
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            default -> -1;
        };
    }

    /** Whether weights of this type code take x quantized per 256 values (Q8_K-like), not per 32. */
    static boolean superBlocks(int typeCode) {
        return typeCode == Q4_K || typeCode == Q6_K;
    }

    /** Whether weights of this type code take x as floats, not quantized. */
    static boolean floatInput(int typeCode) {
        return typeCode >= F32;
    }

    /** Bytes of quantized input for cols values of a product with quantized weights of this type code. */
    static long quantizedBytes(int typeCode, int cols) {
        return superBlocks(typeCode) ? (long) cols / 256 * Q8K_BYTES : (long) cols / 32 * Q8_0_BYTES;
    }

    /** Quantizes the cols floats at x (native) for weights of typeCode into xq. */
    static void quantize(int typeCode, MemorySegment x, int cols, MemorySegment xq) {
        try {
            if (superBlocks(typeCode)) {
                QUANTIZE_Q8K.invokeExact(x, cols, xq);
            } else {
                QUANTIZE_Q8_0.invokeExact(x, cols, xq);
            }
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /**
     * out[r] (floats of a native buffer) = row r · x for r in [from, to), rows rowBytes apart from w;
     * x as the type needs it: quantized ({@link #quantize}) or native floats ({@link #floatInput}).
     */
    static void matvec(int typeCode, MemorySegment w, long rowBytes, MemorySegment x, int cols, int from, int to,
                       MemorySegment out) {
        int faults = faults();
        try {
            if (floatInput(typeCode)) {
                MATVEC_FLOAT.invokeExact(typeCode, w, rowBytes, x, cols, from, to, out);
            } else {
                MATVEC.invokeExact(typeCode, w, rowBytes, x, cols, from, to, out);
            }
        } catch (Throwable t) {
            throw failure(t);
        }
        checkFaults(faults);
    }

    /** Faults the weight kernels took so far (see {@link #FAULTS}). */
    static int faults() {
        return FAULTS == null ? 0 : FAULTS.get(ValueLayout.JAVA_INT, 0);
    }

    /**
     * Throws what the JVM throws for a fault reading mapped memory in Java code, which the CLI reports as a model
     * file changed while in use ({@code GGUFFile.describeMappingFault}), when a kernel faulted since {@code before}.
     */
    static void checkFaults(int before) {
        if (faults() != before) {
            throw new InternalError("a fault occurred in a native kernel reading mapped memory (SIGBUS)");
        }
    }

    @FunctionalInterface
    private interface IntCall {
        int call() throws Throwable;
    }

    private static int call(IntCall c) {
        if (LIB.failure != null) {
            throw new IllegalStateException("native kernels unavailable: " + LIB.failure);
        }
        try {
            return c.call();
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** What a native call's throwable becomes: itself when unchecked, else "native kernel failed". */
    static RuntimeException failure(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException("native kernel failed: " + t, t);
    }

    /** The loaded library's symbols, or why it did not load. */
    private record Loaded(SymbolLookup symbols, String failure) {
        static Loaded load() {
            String os = System.getProperty("os.name", ""), arch = System.getProperty("os.arch", "");
            if (!os.startsWith("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                return new Loaded(null, "no native kernels for " + os + "/" + arch + " (linux-x86_64 only)");
            }
            URL url = NativeKernels.class.getResource(RESOURCE);
            if (url == null) {
                return new Loaded(null, "libkvscope.so is not on the class path (gcc was absent when inference-core was built)");
            }
            try {
                Path file = "file".equals(url.getProtocol()) ? Path.of(url.toURI()) : extract(url);
                return new Loaded(SymbolLookup.libraryLookup(file, Arena.global()), null);
            } catch (Exception | LinkageError e) {
                return new Loaded(null, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }

        private static Path extract(URL url) throws IOException {
            Path file = Files.createTempFile("kvscope-kernels-", ".so");
            file.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        }

        /** Installs the library's SIGBUS guard; its fault count, or null when unloaded or the guard failed. */
        MemorySegment guard() {
            if (failure != null) {
                return null;
            }
            try {
                int installed = (int) handle("kvs_guard_install", FunctionDescriptor.of(ValueLayout.JAVA_INT)).invokeExact();
                return installed != 0 ? null
                        : symbols.find("kvs_faults").map(s -> s.reinterpret(Integer.BYTES)).orElse(null);
            } catch (Throwable t) {
                return null;
            }
        }

        /** A downcall to symbol name (critical: no thread-state transition, heap segments allowed), or null when unloaded. */
        MethodHandle handle(String name, FunctionDescriptor descriptor) {
            if (failure != null) {
                return null;
            }
            MemorySegment symbol = symbols.find(name).orElseThrow(() -> new IllegalStateException(
                    "libkvscope.so lacks " + name + " (stale build: rebuild inference-core)"));
            return Linker.nativeLinker().downcallHandle(symbol, descriptor, Linker.Option.critical(true));
        }
    }
}
