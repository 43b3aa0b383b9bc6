package org.kvscope.backend.cuda;

import org.kvscope.backend.BackendFactory;
import org.kvscope.backend.ForwardBackend;
import org.kvscope.model.Model;

/**
 * Opens {@link CudaForward} sessions on device 0. The context and the weights of the most
 * recently used model stay on the device between sessions (evaluations open many short
 * sessions); opening a session on another model frees the previous model's weights. Close the
 * factory after its sessions.
 */
public final class CudaBackend implements BackendFactory {
    /** Why a compact KV cache type cannot run here, for messages. */
    public static final String F32_ONLY = "the CUDA backend keeps its KV cache in f32 only";

    private final CudaContext context;
    private Model model;
    private CudaModelWeights weights;

    private CudaBackend(CudaContext context) {
        this.context = context;
    }

    /**
     * @throws CudaBackendException when CUDA is unavailable (the message says why) or the kernels
     *                              cannot be loaded
     */
    public static CudaBackend factory() {
        return new CudaBackend(CudaContext.create());
    }

    @Override public String device() { return "cuda"; }

    @Override public String description() { return context.device().describe(); }

    @Override
    public synchronized ForwardBackend open(Model model, int contextLength) {
        if (this.model != model) {
            if (weights != null) {
                context.synchronize();
                weights.close();
                weights = null;
            }
            weights = new CudaModelWeights(context, model);
            this.model = model;
        }
        return new CudaForward(context, model, weights, contextLength);
    }

    /** Frees the kept weights and releases the context; sessions opened here must be closed first. */
    @Override
    public synchronized void close() {
        if (weights != null) {
            context.synchronize();
            weights.close();
            weights = null;
            model = null;
        }
        context.close();
    }
}
