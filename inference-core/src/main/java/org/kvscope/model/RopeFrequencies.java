package org.kvscope.model;

/**
 * Rotary-embedding frequency tables, including Llama 3.1's frequency scaling.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {}

    /**
     * Inverse frequencies θ^(−2i/d) / factor_i for each rotated pair i.
     *
     * @param factors per-pair divisors (Llama 3.1 {@code rope_freqs.weight}) or null for none
     */
    public static float[] inverseFrequencies(ModelConfig c) {
        int pairs = c.ropeDim() / 2;
        float[] inv = new float[pairs];
        float[] factors = c.ropeFrequencyFactors();
        for (int i = 0; i < pairs; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.ropeDim());
            inv[i] = (float) (factors == null ? f : f / factors[i]);
        }
        return inv;
    }

    /**
     * Llama 3.1 frequency factors as llama.cpp's converter writes them into {@code rope_freqs.weight}:
     * low frequencies are divided by {@code factor}, high ones kept, the band between smoothly blended.
     */
    public static float[] llama3Factors(int ropeDim, float theta, float factor, float lowFreqFactor,
                                        float highFreqFactor, int originalContext) {
        int pairs = ropeDim / 2;
        float[] out = new float[pairs];
        double lowWavelen = originalContext / lowFreqFactor;
        double highWavelen = originalContext / highFreqFactor;
        for (int i = 0; i < pairs; i++) {
            double freq = Math.pow(theta, -2.0 * i / ropeDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) {
                out[i] = 1f;
            } else if (wavelen > lowWavelen) {
                out[i] = factor;
            } else {
                double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (float) (1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }
}
