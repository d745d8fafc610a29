package dev.ember.engine;

import dev.ember.sample.FinishReason;

/**
 * One event of a request's output stream: sequence {@code index} (0..n-1) produced {@code tokenId}
 * (or -1 for a text-only final event) and {@code text} that may now be shown. The event that
 * finishes a sequence carries its finish reason; the last event of the request also carries
 * usage and timings.
 *
 * @param logprobs null unless the request asked for logprobs
 * @param stopReason the matched stop string or stop token id (vLLM's stop_reason), or null
 * @param error why the request failed (finish reason ABORT), or null
 */
public record RequestOutput(String requestId, int index, int tokenId, String text, TokenLogprobs logprobs,
    FinishReason finishReason, Object stopReason, Usage usage, RequestTimings timings, String error) {

  /** True when this event ends sequence {@code index}. */
  public boolean sequenceFinished() {
    return finishReason != null;
  }

  /** True on the request's very last event. */
  public boolean requestFinished() {
    return usage != null;
  }
}
