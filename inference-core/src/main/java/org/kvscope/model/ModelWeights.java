package org.kvscope.model;

import org.kvscope.tensor.FloatTensor;

/**
 * All weights of a model. {@code output} is the token embedding itself when embeddings are tied.
 */
public record ModelWeights(
        FloatTensor tokenEmbedding,
        LayerWeights[] layers,
        float[] outputNorm,
        FloatTensor output,
        boolean tiedEmbeddings) {

    /** Bytes of weights read to decode one token (every matrix once; embedding row negligible). */
    public long bytesPerDecodedToken() {
        long total = output.type().byteSize(output.size());
        for (LayerWeights l : layers) {
            for (FloatTensor t : new FloatTensor[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                total += t.type().byteSize(t.size());
            }
        }
        return total;
    }
}
