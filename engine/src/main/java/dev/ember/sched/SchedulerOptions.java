package dev.ember.sched;

/**
 * Continuous-batching limits (vLLM's names and defaults).
 *
 * @param maxNumSeqs sequences in one step
 * @param maxNumBatchedTokens tokens in one step (decodes first, then prefill chunks)
 * @param maxModelLen the most tokens (prompt + output) one sequence may hold
 * @param policy FCFS, or PRIORITY (lower priority value first, then arrival)
 */
public record SchedulerOptions(int maxNumSeqs, int maxNumBatchedTokens, int maxModelLen, Policy policy) {
  public static final int DEFAULT_MAX_NUM_SEQS = 256;
  public static final String MAX_NUM_SEQS_DOC = "Most sequences in one engine step.";
  public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;
  public static final String MAX_NUM_BATCHED_TOKENS_DOC = "Token budget of one engine step (decodes first, then prefill chunks).";
  public static final Policy DEFAULT_POLICY = Policy.FCFS;
  public static final String POLICY_DOC = "fcfs: arrival order; priority: lower 'priority' value first, then arrival order.";

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
  }

  public static SchedulerOptions defaults(int maxModelLen) {
    return new SchedulerOptions(DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, maxModelLen, DEFAULT_POLICY);
  }

  public SchedulerOptions withMaxNumSeqs(int n) {
    return new SchedulerOptions(n, maxNumBatchedTokens, maxModelLen, policy);
  }

  public SchedulerOptions withMaxNumBatchedTokens(int n) {
    return new SchedulerOptions(maxNumSeqs, n, maxModelLen, policy);
  }

  public SchedulerOptions withPolicy(Policy p) {
    return new SchedulerOptions(maxNumSeqs, maxNumBatchedTokens, maxModelLen, p);
  }
}
