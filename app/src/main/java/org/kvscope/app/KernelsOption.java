package org.kvscope.app;

import java.util.ArrayList;
import java.util.List;
import org.kvscope.tensor.NativeKernels;

/**
 * The global {@code --kernels native|java} option: which kernels run the decode products of
 * quantized weights. {@code native} (the default) uses the native library, which rounds the input
 * vector to 8 bits as llama.cpp does; {@code java} keeps the exact float kernels (analysis work).
 * The same choice is {@code -Dkvscope.kernels=java}.
 */
public final class KernelsOption {
    private KernelsOption() {}

    /**
     * Applies the option and returns the arguments without it.
     *
     * @throws IllegalArgumentException when --kernels has no value or one other than native and java
     */
    public static String[] apply(String[] args) {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--kernels")) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException("--kernels needs native or java");
                }
                NativeKernels.use(args[++i]);
            } else if (args[i].startsWith("--kernels=")) {
                NativeKernels.use(args[i].substring("--kernels=".length()));
            } else {
                rest.add(args[i]);
            }
        }
        return rest.toArray(String[]::new);
    }
}
