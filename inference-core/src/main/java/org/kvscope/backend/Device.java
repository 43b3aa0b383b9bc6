package org.kvscope.backend;

import java.util.Locale;

/** A device choice: {@code auto} takes the GPU when one is usable and otherwise the CPU. */
public enum Device {
    AUTO, CPU, CUDA;

    /** The lower-case name used on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the valid choices
     */
    public static Device parse(String text) {
        for (Device d : values()) {
            if (d.id().equals(text == null ? "" : text.strip().toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        throw new IllegalArgumentException("device must be auto, cpu or cuda, was '" + text + "'");
    }
}
