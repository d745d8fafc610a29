package dev.ember.sched;

/**
 * Continuous-batching limits (vLLM's names and defaults).
 *
 * @param maxNumSeqs sequences in one step
 * @param maxNumBatchedTokens tokens in one step (decodes first, then prefill chunks)
 * @param maxModelLen the most tokens (prompt + output) one sequence may hold
 * @param policy FCFS, or PRIORITY (lower priority value first, then arrival)
 * @param longPrefillTokenThreshold the most prompt tokens one sequence computes in one step (0: no cap but the
 *     budget), so that a long prefill runs in chunks and shorter prompts queued behind it share its steps
 */
public record SchedulerOptions(int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, Policy policy,
    int longPrefillTokenThreshold) {
  public static final int DEFAULT_MAX_NUM_SEQS = 256;
  public static final String MAX_NUM_SEQS_DOC = "Most sequences in one engine step.";
  public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;
  public static final String MAX_NUM_BATCHED_TOKENS_DOC = "Token budget of one engine step (decodes first, then prefill chunks).";
  public static final Policy DEFAULT_POLICY = Policy.FCFS;
  public static final String POLICY_DOC = "fcfs: arrival order; priority: lower 'priority' value first, then arrival order.";
  public static final int DEFAULT_LONG_PREFILL_TOKEN_THRESHOLD = 0;
  public static final String LONG_PREFILL_TOKEN_THRESHOLD_DOC = "Most prompt tokens one request computes in one"
      + " engine step, so a long prompt runs in chunks and shorter ones waiting behind it join its steps; 0: only"
      + " the step's token budget limits it.";

  /** Order in which waiting requests are admitted and running ones preempted. */
  public enum Policy { FCFS, PRIORITY }

  public SchedulerOptions {
    if (maxNumSeqs < 1) {
      throw new IllegalArgumentException("maxNumSeqs must be >= 1, got " + maxNumSeqs);
    }
    if (maxNumBatchedTokens < 1) {
      throw new IllegalArgumentException("maxNumBatchedTokens must be >= 1, got " + maxNumBatchedTokens);
    }
    if (maxModelLen < 2) {
      throw new IllegalArgumentException("maxModelLen must be >= 2, got " + maxModelLen);
    }
    if (policy == null) {
      policy = DEFAULT_POLICY;
    }
    if (longPrefillTokenThreshold < 0) {
      throw new IllegalArgumentException("longPrefillTokenThreshold must be >= 0, got " + longPrefillTokenThreshold);
    }
  }

  /** Without a per-request cap on prompt tokens per step. */
  public SchedulerOptions(int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, Policy policy) {
    this(maxNumSeqs, maxNumBatchedTokens, maxModelLen, policy, DEFAULT_LONG_PREFILL_TOKEN_THRESHOLD);
  }

  /** The most tokens one sequence may compute in one step. */
  int chunkLimit() {
    return longPrefillTokenThreshold > 0 ? longPrefillTokenThreshold : maxNumBatchedTokens;
  }

  public static SchedulerOptions defaults(int maxModelLen) {
    return new SchedulerOptions(DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, maxModelLen, DEFAULT_POLICY);
  }

  public SchedulerOptions withMaxNumSeqs(int n) {
    return new SchedulerOptions(n, maxNumBatchedTokens, maxModelLen, policy, longPrefillTokenThreshold);
  }

  public SchedulerOptions withMaxNumBatchedTokens(int n) {
    return new SchedulerOptions(maxNumSeqs, n, maxModelLen, policy, longPrefillTokenThreshold);
  }

  public SchedulerOptions withPolicy(Policy p) {
    return new SchedulerOptions(maxNumSeqs, maxNumBatchedTokens, maxModelLen, p, longPrefillTokenThreshold);
  }

  public SchedulerOptions withLongPrefillTokenThreshold(int n) {
    return new SchedulerOptions(maxNumSeqs, maxNumBatchedTokens, maxModelLen, policy, n);
  }
}
