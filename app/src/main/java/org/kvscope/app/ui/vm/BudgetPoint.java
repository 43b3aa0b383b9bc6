package org.kvscope.app.ui.vm;

/**
 * One point of a recall-against-budget sweep.
 *
 * @param budget      KV entries per layer and kv-head
 * @param recall      mean attention recall over layers and heads
 * @param memoryRatio kept over full KV bytes
 */
public record BudgetPoint(int budget, double recall, double memoryRatio) {}
