package org.kvscope.app.cli;

import java.io.PrintStream;
import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.BackendUnavailableException;
import org.kvscope.backend.Backends;
import org.kvscope.backend.Device;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.model.Model;

/**
 * {@code --device auto|cpu|cuda}, shared by every command that runs a model. {@code auto} uses
 * the GPU when the CUDA probe finds one and otherwise falls back to the CPU, saying why in one
 * line on stderr; {@code cuda} fails with the probe's reason (exit 2) when no GPU is usable.
 */
final class DeviceOption {
    private DeviceOption() {}

    /** The option's name, for {@link Args#parse}'s allowed set. */
    static final String NAME = "device";

    static final String USAGE = "  --device D         auto | cpu | cuda (default auto: the GPU when usable, else the CPU)";

    /** The device {@code --device} names, validated before any model is loaded. */
    static Device device(Args a) {
        String d = a.string(NAME, "auto");
        try {
            return Device.parse(d);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--device must be auto, cpu or cuda, was '" + d + "'");
        }
    }

    /**
     * The backend factory for {@code --device}; close it when the command ends.
     *
     * @throws UsageException for {@code --device cuda} without a usable GPU, with the reason
     */
    static BackendFactory select(Args a, PrintStream err) {
        try {
            return Backends.select(device(a), err::println);
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
