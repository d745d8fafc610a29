package dev.ember.cli;

/**
 * One benchmarked request: time to first text, end-to-end time, token counts and the gaps between the
 * reply events that carried text.
 */
record RequestTiming(long ttftNanos, long e2eNanos, int promptTokens, int outputTokens, long[] gapNanos) {
  /** Decode time per output token after the first (vLLM's TPOT), or -1 with fewer than two tokens. */
  long tpotNanos() {
    return outputTokens > 1 ? (e2eNanos - ttftNanos) / (outputTokens - 1) : -1;
  }
}
