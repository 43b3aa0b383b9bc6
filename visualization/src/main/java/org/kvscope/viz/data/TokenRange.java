package org.kvscope.viz.data;

/**
 * A half-open range of token positions {@code [from, to)}.
 *
 * @param from first position, &gt;= 0
 * @param to   one past the last position, &gt; from
 */
public record TokenRange(int from, int to) {

    public TokenRange {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("token range needs 0 <= from < to but was [" + from + ", " + to + ")");
        }
    }

    /** Whether {@code position} lies in the range. */
    public boolean contains(int position) {
        return position >= from && position < to;
    }
}
