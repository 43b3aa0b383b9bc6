package org.kvscope.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.Model;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelLoader;
import org.kvscope.tensor.FloatTensor;

/** One weight matrix of a model with its shape, as the forward pass multiplies it. */
record WeightMatrix(FloatTensor tensor, int rows, int cols) {

    long bytes() {
        return tensor.type().byteSize(tensor.size());
    }

    /** Loads the GGUF named by a benchmark's {@code model} parameter, with a clear message when it is unset or missing. */
    static Model load(String model) {
        if (model.isBlank()) {
            throw new IllegalArgumentException("this benchmark needs a model: add -p model=PATH.gguf");
        }
        Path path = Path.of(model);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("model " + path + " is not a readable file");
        }
        try {
            return ModelLoader.load(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The seven matrices of every layer, in forward order. */
    static List<WeightMatrix> layers(Model model) {
        ModelConfig c = model.config();
        List<WeightMatrix> matrices = new ArrayList<>();
        for (LayerWeights l : model.weights().layers()) {
            matrices.add(new WeightMatrix(l.wq(), c.qDim(), c.dim()));
            matrices.add(new WeightMatrix(l.wk(), c.kvDim(), c.dim()));
            matrices.add(new WeightMatrix(l.wv(), c.kvDim(), c.dim()));
            matrices.add(new WeightMatrix(l.wo(), c.dim(), c.qDim()));
            matrices.add(new WeightMatrix(l.gate(), c.ffnDim(), c.dim()));
            matrices.add(new WeightMatrix(l.up(), c.ffnDim(), c.dim()));
            matrices.add(new WeightMatrix(l.down(), c.dim(), c.ffnDim()));
        }
        return matrices;
    }
}
