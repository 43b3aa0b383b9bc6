package org.kvscope.viz.data;

/** A data record that can describe itself as a CSV table (header line first, '\n' line ends). */
public interface CsvWritable {

    /** Returns the record as CSV text: one header line, then one line per row, each ending in '\n'. */
    String toCsv();
}
