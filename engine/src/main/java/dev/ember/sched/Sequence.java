package dev.ember.sched;

import dev.ember.kv.KvSequence;

/**
 * One sequence as the scheduler sees it: its KV view (tokens, computed count, blocks), the number of
 * prompt tokens, its admission order and priority. The engine extends it with sampling and output
 * state.
 */
public class Sequence {
  /** Where a sequence is in its life. */
  public enum Status { WAITING, RUNNING, FINISHED }

  private final KvSequence kv;
  private final int promptLength;
  private final long arrival;
  private final int priority;
  Status status = Status.WAITING;
  int preemptions;

  /**
   * @param arrival admission order (smaller first); a preempted sequence keeps it, so it goes back
   *     to the front of its priority class
   * @param priority lower runs first under the PRIORITY policy (vLLM's convention)
   */
  protected Sequence(KvSequence kv, int promptLength, long arrival, int priority) {
    this.kv = kv;
    this.promptLength = promptLength;
    this.arrival = arrival;
    this.priority = priority;
  }

  public final KvSequence kv() {
    return kv;
  }

  public final int promptLength() {
    return promptLength;
  }

  /** Tokens generated so far (tokens beyond the prompt). */
  public final int outputLength() {
    return kv.numTokens() - promptLength;
  }

  public final long arrival() {
    return arrival;
  }

  public final int priority() {
    return priority;
  }

  public final Status status() {
    return status;
  }

  /** Times this sequence was preempted (its KV freed and recomputed later). */
  public final int preemptions() {
    return preemptions;
  }
}
