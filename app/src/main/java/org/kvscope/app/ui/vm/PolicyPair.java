package org.kvscope.app.ui.vm;

import java.util.Map;

/** Actions on the two policies under study: swap them, or copy A's policy and values to B. */
public final class PolicyPair {
    private final PolicyViewModel a;
    private final PolicyViewModel b;

    public PolicyPair(PolicyViewModel a, PolicyViewModel b) {
        this.a = a;
        this.b = b;
    }

    /** A takes B's policy and values and B takes A's. */
    public void swap() {
        String name = a.policyName();
        Map<String, String> values = ParameterValues.format(a.values());
        a.restore(b.policyName(), ParameterValues.format(b.values()));
        b.restore(name, values);
    }

    /** B takes A's policy and values. */
    public void copyAToB() {
        b.restore(a.policyName(), ParameterValues.format(a.values()));
    }
}
