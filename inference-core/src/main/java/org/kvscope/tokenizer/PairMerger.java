package org.kvscope.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Greedy pairwise merging shared by SentencePiece and byte-level BPE: repeatedly merges the adjacent pair
 * with the lowest rank (leftmost first on ties) until no adjacent pair is mergeable. Uses a linked list of
 * symbols and a priority queue of candidate pairs, so long inputs cost O(n log n) rather than O(n²).
 */
final class PairMerger {
    private PairMerger() {}

    /** Rank of merging two adjacent symbols: lower merges first; {@link Double#NaN} means "never merge". */
    @FunctionalInterface
    interface Ranker {
        double rank(String left, String right);
    }

    private record Candidate(double rank, int left, int right, String leftText, String rightText) {}

    private static final Comparator<Candidate> ORDER =
            Comparator.comparingDouble(Candidate::rank).thenComparingInt(Candidate::left);

    /** Merges the symbols and returns the resulting symbols in order. */
    static List<String> merge(List<String> initial, Ranker ranker) {
        int n = initial.size();
        String[] sym = initial.toArray(new String[0]);
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(Math.max(1, n), ORDER);
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, ranker, sym, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            // stale if either side has been merged into something else since the candidate was queued
            if (sym[c.left] != c.leftText || sym[c.right] != c.rightText || next[c.left] != c.right) {
                continue;
            }
            sym[c.left] = c.leftText + c.rightText;
            sym[c.right] = null;
            int after = next[c.right];
            next[c.left] = after;
            if (after >= 0) {
                prev[after] = c.left;
            }
            if (prev[c.left] >= 0) {
                offer(queue, ranker, sym, prev[c.left], c.left);
            }
            if (after >= 0) {
                offer(queue, ranker, sym, c.left, after);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) {
            out.add(sym[i]);
        }
        return out;
    }

    private static void offer(PriorityQueue<Candidate> queue, Ranker ranker, String[] sym, int left, int right) {
        double rank = ranker.rank(sym[left], sym[right]);
        if (!Double.isNaN(rank)) {
            queue.add(new Candidate(rank, left, right, sym[left], sym[right]));
        }
    }
}
