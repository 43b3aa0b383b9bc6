package org.kvscope.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/** Packs kernel arguments and launches a kernel of the kvscope module on a stream. */
final class KernelLaunch {
    /** Largest grid y/z extent CUDA allows. */
    static final int MAX_GRID_Y = 65535;
    /** Blocks used by grid-stride kernels at most. */
    static final int MAX_STRIDE_BLOCKS = 4096;

    private KernelLaunch() {}

    /**
     * Launches {@code kernel} with a (gridX, gridY) grid of {@code block}-thread blocks. Arguments may be
     * {@link DeviceBuffer} (passed as its device pointer), {@code null} (a null device pointer),
     * Integer, Long or Float.
     */
    static void run(CudaStream stream, String kernel, long gridX, long gridY, int block, Object... args) {
        if (gridX < 1 || gridX > Integer.MAX_VALUE || gridY < 1 || gridY > MAX_GRID_Y) {
            throw new IllegalArgumentException(kernel + ": grid " + gridX + "x" + gridY + " is outside CUDA's limits (x <= "
                    + Integer.MAX_VALUE + ", y <= " + MAX_GRID_Y + ")");
        }
        CudaContext context = stream.context();
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case null -> Pointer.to(new long[] {0L});
                case DeviceBuffer b -> Pointer.to(b.pointer());
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                default -> throw new IllegalArgumentException("unsupported kernel argument " + args[i].getClass());
            };
        }
        var function = context.function(kernel);
        context.makeCurrent();
        Cuda.check(JCudaDriver.cuLaunchKernel(function, (int) gridX, (int) gridY, 1, block, 1, 1, 0,
                stream.handle(), Pointer.to(params), null), "cuLaunchKernel(" + kernel + ")");
    }

    /** Blocks for a grid-stride loop over {@code total} items with {@code block} threads each. */
    static long strideBlocks(long total, int block) {
        return Math.max(1, Math.min(MAX_STRIDE_BLOCKS, (total + block - 1) / block));
    }
}
