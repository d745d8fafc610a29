package dev.ember.engine;

/**
 * Token counts of a finished request (OpenAI's usage), over all of its n sequences.
 *
 * @param cachedTokens prompt tokens served from the prefix cache ({@code prompt_tokens_details.cached_tokens})
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens) {
  public int totalTokens() {
    return promptTokens + completionTokens;
  }
}
