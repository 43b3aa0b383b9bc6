package org.kvscope.viz.data;

import java.util.List;

/** Argument checks shared by the data records; every failure names the field and what is valid. */
final class Checks {
    private Checks() {
    }

    static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    static void length(int actual, int expected, String name, String expectation) {
        if (actual != expected) {
            throw new IllegalArgumentException(name + " has length " + actual + " but must have length "
                    + expected + " (" + expectation + ")");
        }
    }

    static void positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0 but was " + value);
        }
    }

    static void nonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0 but was " + value);
        }
    }

    static <T> List<T> copyOf(List<T> list, String name) {
        notNull(list, name);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new IllegalArgumentException(name + " contains null at index " + i);
            }
        }
        return List.copyOf(list);
    }
}
