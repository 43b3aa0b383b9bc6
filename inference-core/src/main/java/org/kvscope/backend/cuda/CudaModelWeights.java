package org.kvscope.backend.cuda;

import org.kvscope.gguf.GGMLType;
import org.kvscope.gguf.GGUFFile;
import org.kvscope.gguf.GGUFTensorInfo;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.tensor.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights on the device: every matrix uploaded in its raw GGUF layout (one allocation
 * per tensor; a matrix the kernels cannot read that way is uploaded as dequantized F32), norm weights and Q/K/V biases as fp32 buffers. The token embedding stays on the
 * host (a decode step needs only one row of it).
 */
final class CudaModelWeights implements AutoCloseable {
    /** One transformer block on the device; the biases are null when the model has none. */
    record Layer(DeviceBuffer attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                 DeviceBuffer bq, DeviceBuffer bk, DeviceBuffer bv, DeviceBuffer ffnNorm,
                 WeightMatrix gate, WeightMatrix up, WeightMatrix down) {}

    private final List<DeviceBuffer> owned = new ArrayList<>();
    private final List<String> dequantized = new ArrayList<>();
    private final Layer[] layers;
    private final DeviceBuffer outputNorm;
    private final WeightMatrix output;
    private final long matrixBytes;
    private long uploadedMatrixBytes;

    CudaModelWeights(CudaContext context, Model model) {
        ModelConfig c = model.config();
        GGUFFile file = model.file();
        if (file == null) {
            throw new IllegalArgumentException("the CUDA backend needs a model loaded from a GGUF file (Model.file() is null)");
        }
        try {
            layers = new Layer[c.layers()];
            LayerWeights[] host = model.weights().layers();
            for (int l = 0; l < c.layers(); l++) {
                String p = "blk." + l + ".";
                LayerWeights lw = host[l];
                layers[l] = new Layer(floats(context, lw.attnNorm()),
                        matrix(context, file, p + "attn_q.weight", c.qDim(), c.dim()),
                        matrix(context, file, p + "attn_k.weight", c.kvDim(), c.dim()),
                        matrix(context, file, p + "attn_v.weight", c.kvDim(), c.dim()),
                        matrix(context, file, p + "attn_output.weight", c.dim(), c.qDim()),
                        floats(context, lw.bq()), floats(context, lw.bk()), floats(context, lw.bv()),
                        floats(context, lw.ffnNorm()),
                        matrix(context, file, p + "ffn_gate.weight", c.ffnDim(), c.dim()),
                        matrix(context, file, p + "ffn_up.weight", c.ffnDim(), c.dim()),
                        matrix(context, file, p + "ffn_down.weight", c.dim(), c.ffnDim()));
            }
            outputNorm = floats(context, model.weights().outputNorm());
            String outputName = file.tensor("output.weight").isPresent() ? "output.weight" : "token_embd.weight";
            output = matrix(context, file, outputName, c.vocabSize(), c.dim());
            matrixBytes = uploadedMatrixBytes;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private WeightMatrix matrix(CudaContext context, GGUFFile file, String name, int rows, int cols) {
        GGUFTensorInfo info = file.tensor(name).orElseThrow(() ->
                new IllegalArgumentException("model file has no tensor '" + name + "'"));
        if (info.rows() != rows || info.cols() != cols) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + info.rows() + "x" + info.cols()
                    + " but the config expects " + rows + "x" + cols);
        }
        if (!WeightLayout.supports(info.type()) || cols % info.type().blockSize() != 0) {
            return dequantizedMatrix(context, file, info, rows, cols);
        }
        DeviceBuffer buffer = context.allocate(info.byteSize());
        owned.add(buffer);
        buffer.copyFrom(file.tensorData(info), 0);
        uploadedMatrixBytes += info.byteSize();
        return new WeightMatrix(info.type(), buffer, rows, cols);
    }

    /**
     * Uploads a matrix the kernels cannot read in raw layout (a type without a kernel, or quant blocks
     * that straddle rows because the row length is not a multiple of the block size) as F32.
     */
    private WeightMatrix dequantizedMatrix(CudaContext context, GGUFFile file, GGUFTensorInfo info, int rows,
                                           int cols) {
        long elements = (long) rows * cols;
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' of type " + info.type() + " with rows of "
                    + cols + " elements needs dequantizing but is too large (" + elements + " elements); the CUDA"
                    + " kernels read " + WeightLayout.supportedNames() + " with rows a multiple of the block size");
        }
        float[] values = new float[(int) elements];
        FloatTensor.of(info.type(), file.tensorData(info), elements).dequantize(0, values, 0, values.length);
        DeviceBuffer buffer = floats(context, values);
        uploadedMatrixBytes += 4L * elements;
        dequantized.add(info.name());
        return new WeightMatrix(GGMLType.F32, buffer, rows, cols);
    }

    private DeviceBuffer floats(CudaContext context, float[] values) {
        if (values == null) {
            return null;
        }
        DeviceBuffer buffer = context.upload(values);
        owned.add(buffer);
        return buffer;
    }

    Layer layer(int l) {
        return layers[l];
    }

    DeviceBuffer outputNorm() {
        return outputNorm;
    }

    WeightMatrix output() {
        return output;
    }

    /** Names of the matrices uploaded as dequantized F32 instead of their raw layout. */
    List<String> dequantizedTensors() {
        return List.copyOf(dequantized);
    }

    /** Bytes of all matrices on the device (each is read once per decoded token). */
    long matrixBytes() {
        return matrixBytes;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : owned) {
            b.close();
        }
        owned.clear();
    }
}
