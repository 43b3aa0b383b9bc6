package org.kvscope.viz.view;

/** Per-layer attention statistics that show pyramidal information funnelling. */
public enum FunnelMetric {
    /** Mean entropy of the attention rows. */
    ENTROPY("attention entropy (nats)"),
    /** Mean number of key positions needed to cover 90% of a row's mass. */
    POSITIONS_FOR_90_MASS("positions for 90% mass"),
    /** Mean attention mass on the sink tokens. */
    SINK_MASS("sink mass");

    private final String label;

    FunnelMetric(String label) {
        this.label = label;
    }

    /** Axis label. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
