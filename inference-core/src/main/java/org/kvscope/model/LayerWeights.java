package org.kvscope.model;

import org.kvscope.tensor.FloatTensor;

/**
 * Weights of one transformer block. Matrices are rows × cols with cols the input width.
 * Norm weights and biases are small and kept as float arrays; biases are null when absent.
 */
public record LayerWeights(
        float[] attnNorm,
        FloatTensor wq, FloatTensor wk, FloatTensor wv, FloatTensor wo,
        float[] bq, float[] bk, float[] bv,
        float[] ffnNorm,
        FloatTensor gate, FloatTensor up, FloatTensor down) {
}
