package org.kvscope.app.cli;

import java.io.PrintStream;
import org.kvscope.backend.cuda.CudaAvailability;
import org.kvscope.backend.cuda.CudaContext;
import org.kvscope.backend.cuda.CudaForward;
import org.kvscope.engine.InferenceSession;
import org.kvscope.engine.SessionOptions;
import org.kvscope.model.Model;

/**
 * {@code --device auto|cpu|cuda}: where a command runs the model. {@code auto} uses the GPU when the
 * CUDA probe finds one and otherwise falls back to the CPU, saying why; {@code cuda} fails with
 * the probe's reason when no GPU is usable.
 */
final class DeviceOption {
    private DeviceOption() {}

    static final String USAGE = "  --device D         auto | cpu | cuda (default auto: the GPU when usable, else the CPU)";

    /** Runs token batches and returns the last row's logits, on one device. */
    interface Runner extends AutoCloseable {
        float[] run(int[] tokens, int offset, int n);

        int position();

        void reset();

        String device();

        @Override
        void close();
    }

    static Runner open(Args a, Model model, int context, PrintStream err) {
        String d = a.string("device", "auto");
        if (!d.equals("auto") && !d.equals("cpu") && !d.equals("cuda")) {
            throw new UsageException("--device must be auto, cpu or cuda, was '" + d + "'");
        }
        if (d.equals("cpu")) {
            return cpu(model, context);
        }
        CudaAvailability probe = CudaAvailability.probe();
        if (!probe.available()) {
            if (d.equals("cuda")) {
                throw new UsageException("--device cuda: " + probe.reason());
            }
            err.println("device: CPU (no usable GPU: " + probe.reason() + ")");
            return cpu(model, context);
        }
        err.println("device: " + probe.deviceName());
        return gpu(model, context);
    }

    private static Runner cpu(Model model, int context) {
        InferenceSession s = new InferenceSession(model, SessionOptions.ofContext(context));
        return new Runner() {
            @Override
            public float[] run(int[] tokens, int offset, int n) {
                int[] batch = java.util.Arrays.copyOfRange(tokens, offset, offset + n);
                return n == 1 ? s.decode(batch[0]) : s.prefill(batch);
            }

            @Override public int position() { return s.position(); }

            @Override public void reset() { s.reset(); }

            @Override public String device() { return "cpu"; }

            @Override public void close() {}
        };
    }

    private static Runner gpu(Model model, int context) {
        CudaContext ctx = CudaContext.create();
        CudaForward f;
        try {
            f = new CudaForward(ctx, model, context);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
        return new Runner() {
            @Override
            public float[] run(int[] tokens, int offset, int n) {
                return f.forward(tokens, offset, n, f.position());
            }

            @Override public int position() { return f.position(); }

            @Override public void reset() { f.reset(); }

            @Override public String device() { return "cuda"; }

            @Override
            public void close() {
                f.close();
                ctx.close();
            }
        };
    }
}
