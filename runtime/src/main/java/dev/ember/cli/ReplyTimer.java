package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;

/**
 * Times one request from the reply events it gets back, whichever door they came through: SSE chunks
 * over HTTP, reply records over Kafka, or one whole (non-streamed) response. The first event with text
 * (chat {@code delta.content}, {@code delta.reasoning_content} or {@code message.content}, completion
 * {@code text}) marks the first token; each later one adds a gap; {@code usage} gives the token counts.
 * An {@code error} event fails the request.
 *
 * <pre>{@code
 * ReplyTimer t = new ReplyTimer(System.nanoTime());
 * for (JsonNode event : events) t.event(event, System.nanoTime());
 * RequestTiming timing = t.finish(System.nanoTime());
 * }</pre>
 */
final class ReplyTimer {
  private final long startNanos;
  private long first;
  private long last;
  private long[] gaps = new long[64];
  private int gapCount;
  private int textEvents;
  private int promptTokens;
  private int cachedTokens = -1;
  private int completionTokens = -1;

  ReplyTimer(long startNanos) {
    this.startNanos = startNanos;
  }

  /** One reply event that arrived at {@code now}. */
  void event(JsonNode event, long now) throws IOException {
    if (event.hasNonNull("error")) {
      throw new IOException("error reply: " + event.get("error"));
    }
    JsonNode usage = event.path("usage");
    if (usage.isObject()) {
      promptTokens = usage.path("prompt_tokens").asInt(0);
      completionTokens = usage.path("completion_tokens").asInt(0);
      cachedTokens = usage.path("prompt_tokens_details").path("cached_tokens").asInt(-1);
    }
    JsonNode choice = event.path("choices").path(0);
    if (hasText(choice.path("text"), choice.path("delta").path("content"),
        choice.path("delta").path("reasoning_content"), choice.path("message").path("content"))) {
      if (first == 0) {
        first = now;
      } else {
        if (gapCount == gaps.length) {
          gaps = Arrays.copyOf(gaps, gapCount * 2);
        }
        gaps[gapCount++] = now - last;
      }
      last = now;
      textEvents++;
    }
  }

  /** The request's timing, ended at {@code now}; output tokens are the usage's, else the text events. */
  RequestTiming finish(long now) throws IOException {
    if (first == 0) {
      throw new IOException("the reply ended without any text");
    }
    return new RequestTiming(first - startNanos, now - startNanos, promptTokens, cachedTokens,
        completionTokens >= 0 ? completionTokens : textEvents, Arrays.copyOf(gaps, gapCount));
  }

  private static boolean hasText(JsonNode... candidates) {
    for (JsonNode n : candidates) {
      if (n.isTextual() && !n.asText().isEmpty()) {
        return true;
      }
    }
    return false;
  }
}
