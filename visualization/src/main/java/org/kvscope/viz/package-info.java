/**
 * Reusable JavaFX views for kvscope, fed only by the plain records in {@code org.kvscope.viz.data}.
 *
 * <p>Views live in {@code org.kvscope.viz.view}; each takes its record through a setter that may be called as often
 * as data arrives (on the JavaFX application thread; compute the data elsewhere and hand it over with
 * {@code Platform.runLater}). Canvas views coalesce updates within a pulse and redraw once. Records hand over their
 * arrays without copying: do not mutate an array after giving it to a record. {@link org.kvscope.viz.ColorScales}
 * holds the shared colour scales, {@link org.kvscope.viz.VizStyle} the light theme ({@code viz.css}), and
 * {@code org.kvscope.viz.export.ChartExport} writes PNG snapshots and CSV files. {@code org.kvscope.viz.demo.GalleryDemo}
 * shows every view with synthetic data.
 */
package org.kvscope.viz;
