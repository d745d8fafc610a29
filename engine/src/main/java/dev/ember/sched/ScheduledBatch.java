package dev.ember.sched;

import java.util.ArrayList;
import java.util.List;

/**
 * The scheduler's decision for one step, reused from step to step: which sequences run and how many
 * new tokens of each (one for a decode, a chunk for a prefill), in the order decodes-then-prefills.
 */
public final class ScheduledBatch {
  private final List<Sequence> sequences = new ArrayList<>();
  private int[] numNewTokens = new int[64];
  private int totalTokens;

  void clear() {
    sequences.clear();
    totalTokens = 0;
  }

  void add(Sequence s, int n) {
    if (sequences.size() == numNewTokens.length) {
      numNewTokens = java.util.Arrays.copyOf(numNewTokens, numNewTokens.length * 2);
    }
    numNewTokens[sequences.size()] = n;
    sequences.add(s);
    totalTokens += n;
  }

  /** Number of scheduled sequences. */
  public int size() {
    return sequences.size();
  }

  public boolean isEmpty() {
    return sequences.isEmpty();
  }

  public Sequence sequence(int i) {
    return sequences.get(i);
  }

  /** New tokens of scheduled sequence i in this step. */
  public int numNewTokens(int i) {
    return numNewTokens[i];
  }

  /** True when scheduled sequence i reaches its last known token, so the step yields its next-token logits. */
  public boolean needsLogits(int i) {
    Sequence s = sequences.get(i);
    return s.kv().numComputedTokens() + numNewTokens[i] == s.kv().numTokens();
  }

  public int totalTokens() {
    return totalTokens;
  }
}
