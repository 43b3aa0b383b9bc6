package org.kvscope.trace;

/**
 * What an {@link AttentionCapture} keeps.
 *
 * @param window        final prompt queries whose exact rows are kept (policies' observation
 *                      windows must not exceed it)
 * @param mapResolution cells per side of the downsampled prefill maps
 * @param sinks         positions counted as attention sinks in the statistics
 * @param decodeSteps   decoded tokens whose exact rows are kept
 */
public record CaptureOptions(int window, int mapResolution, int sinks, int decodeSteps) {
    public CaptureOptions {
        if (window < 1 || mapResolution < 1 || sinks < 0 || decodeSteps < 0) {
            throw new IllegalArgumentException("capture options must be positive: window=" + window
                    + " mapResolution=" + mapResolution + " sinks=" + sinks + " decodeSteps=" + decodeSteps);
        }
    }

    public static CaptureOptions defaults() {
        return new CaptureOptions(64, 128, 4, 16);
    }
}
