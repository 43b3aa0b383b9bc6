package org.kvscope.app;

import java.util.ArrayList;
import java.util.List;
import org.kvscope.tensor.NativeKernels;

/**
 * The global {@code --kernels native|java} option: which kernels run the decode products of
 * quantized weights. {@code native} (the default) uses the native library, which rounds the input
 * vector to 8 bits as llama.cpp does; {@code java} keeps the exact float kernels (analysis work).
 * The same choice is {@code -Dkvscope.kernels=java}. A {@code --kernels} followed by anything else
 * is left in place: {@code bench --kernels} (a flag) times the weight kernels alone.
 */
public final class KernelsOption {
    private KernelsOption() {}

    /**
     * Applies the option and returns the arguments without it.
     *
     * @throws IllegalArgumentException when --kernels= names neither native nor java
     */
    public static String[] apply(String[] args) {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--kernels") && i + 1 < args.length && isKernelSet(args[i + 1])) {
                NativeKernels.use(args[++i]);
            } else if (args[i].startsWith("--kernels=")) {
                NativeKernels.use(args[i].substring("--kernels=".length()));
            } else {
                rest.add(args[i]);
            }
        }
        return rest.toArray(String[]::new);
    }

    private static boolean isKernelSet(String value) {
        return value.equalsIgnoreCase("native") || value.equalsIgnoreCase("java");
    }
}
