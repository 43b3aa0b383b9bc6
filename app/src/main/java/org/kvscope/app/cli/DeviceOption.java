package org.kvscope.app.cli;

import java.io.PrintStream;
import java.util.function.Consumer;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.BackendUnavailableException;
import org.kvscope.backend.Backends;
import org.kvscope.backend.Device;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.kv.KvCacheType;
import org.kvscope.model.Model;

/**
 * {@code --device auto|cpu|cuda} and {@code --cache-type f32|f16|q8_0|q4_0}, shared by every
 * command that runs a model. {@code auto} uses the GPU when the CUDA probe finds one and
 * otherwise falls back to the CPU, saying why in one line on stderr; {@code cuda} fails with the
 * probe's reason (exit 2) when no GPU is usable. A cache type other than f32 runs on the CPU
 * (the CUDA backend keeps an f32 cache): {@code auto} says so, {@code cuda} refuses.
 */
final class DeviceOption {
    private DeviceOption() {}

    /** The option's name, for {@link Args#parse}'s allowed set. */
    static final String NAME = "device";

    /** The cache type option's name. */
    static final String CACHE_TYPE = "cache-type";

    static final String USAGE = "  --device D         auto | cpu | cuda (default auto: the GPU when usable, else the CPU)\n"
            + "  --cache-type T     KV cache storage: f32 (exact, default) | f16 | q8_0 | q4_0 (llama.cpp's types;\n"
            + "                     the block types keep an f16 scale per 32 values); CPU only unless f32";

    /** The cache type {@code --cache-type} names (default f32), validated before any model is loaded. */
    static KvCacheType cacheType(Args a) {
        String t = a.string(CACHE_TYPE, "f32");
        try {
            return KvCacheType.parse(t);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--cache-type must be f32, f16, q8_0 or q4_0, was '" + t + "'");
        }
    }

    /**
     * The device {@code --device} names, validated (with {@code --cache-type}) before any file is
     * read: {@code cuda} without a usable GPU, or with a cache type it cannot keep, is refused here.
     */
    static Device device(Args a) {
        KvCacheType type = cacheType(a);
        String d = a.string(NAME, "auto");
        Device device;
        try {
            device = Device.parse(d);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--device must be auto, cpu or cuda, was '" + d + "'");
        }
        try {
            Backends.requireUsable(device, type);
        } catch (BackendUnavailableException e) {
            throw new UsageException("--device cuda: " + e.getMessage());
        }
        return device;
    }

    /**
     * The backend factory for {@code --device}; close it when the command ends.
     *
     * @throws UsageException for {@code --device cuda} without a usable GPU, with the reason
     */
    static BackendFactory select(Args a, PrintStream err) {
        return select(a, (Consumer<String>) err::println);
    }

    /** {@link #select(Args, PrintStream)} with the device notice (which device runs and why) given to {@code notice}. */
    static BackendFactory select(Args a, Consumer<String> notice) {
        try {
            return Backends.select(device(a), cacheType(a), notice);
        } catch (BackendUnavailableException e) {
            throw new UsageException("--device cuda: " + e.getMessage());
        }
    }

    /** Runs token batches and returns the last row's logits, on one device. */
    interface Runner extends AutoCloseable {
        float[] run(int[] tokens, int offset, int n);

        int position();

        String device();

        @Override
        void close();
    }

    /** A session of {@code context} tokens on the {@code --device} backend. */
    static Runner open(Args a, Model model, int context, PrintStream err) {
        BackendFactory backend = select(a, err);
        InferenceSession s;
        try {
            s = new InferenceSession(model, SessionOptions.ofContext(backend, context));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        return new Runner() {
            @Override
            public float[] run(int[] tokens, int offset, int n) {
                int[] batch = java.util.Arrays.copyOfRange(tokens, offset, offset + n);
                return n == 1 ? s.decode(batch[0]) : s.prefill(batch);
            }

            @Override public int position() { return s.position(); }

            @Override public String device() { return backend.device(); }

            @Override
            public void close() {
                s.close();
                backend.close();
            }
        };
    }
}
