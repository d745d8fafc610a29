package dev.ember.cli;

/**
 * One benchmarked request: time to first text, end-to-end time, token counts (the prompt's cached tokens
 * from the usage's {@code prompt_tokens_details}, -1 when the reply did not say) and the gaps between the
 * reply events that carried text.
 */
record RequestTiming(long ttftNanos, long e2eNanos, int promptTokens, int cachedTokens, int outputTokens,
    long[] gapNanos) {
  /** Decode time per output token after the first (vLLM's TPOT), or -1 with fewer than two tokens. */
  long tpotNanos() {
    return outputTokens > 1 ? (e2eNanos - ttftNanos) / (outputTokens - 1) : -1;
  }
}
