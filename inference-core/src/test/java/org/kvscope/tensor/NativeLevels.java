package org.kvscope.tensor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests of the native kernels: skips each test with the reason when the library is unavailable,
 * and after each test restores what a test may have forced (the native kernels, every instruction set).
 */
public final class NativeLevels implements BeforeEachCallback, AfterEachCallback {
    /** Makes the library use at most instruction-set level {@code level} (0 scalar, 1 AVX2, 2 AVX-512); returns the level used. */
    public static int limit(int level) {
        return NativeKernels.limitIsa(level);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assumeTrue(NativeKernels.available(), "native kernels unavailable, not tested: " + NativeKernels.unavailableReason());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        NativeKernels.use("native");
        if (NativeKernels.available()) {
            NativeKernels.limitIsa(Integer.MAX_VALUE);
        }
    }
}
