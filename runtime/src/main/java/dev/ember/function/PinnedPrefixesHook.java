package dev.ember.function;

import dev.ember.engine.EngineWarmup;
import dev.ember.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;

/**
 * Built-in prewarm hook: computes the KV blocks of the manifest's {@code prewarm.pinnedPrefixes} during
 * warm-up and pins them, so they are never evicted while the function is WARM and the first request that
 * starts with one hits the prefix cache. A pinned prefix is typically a system prompt, so with a chat
 * template it is pinned as the template renders it as the conversation's system turn.
 */
public final class PinnedPrefixesHook implements PrewarmHook {
  @Override
  public void afterWarm(WarmContext context) {
    List<String> prefixes = context.manifest().prewarm().pinnedPrefixes();
    if (prefixes.isEmpty()) {
      return;
    }
    Tokenizer t = context.tokenizer();
    List<int[]> tokens = prefixes.stream().map(p -> tokens(t, p)).toList();
    EngineWarmup.pinPrefixes(context.engine(), tokens);
  }

  static int[] tokens(Tokenizer t, String prefix) {
    return t.chatTemplate()
        .map(c -> t.encode(c.render(List.of(Map.of("role", "system", "content", prefix)), false), false))
        .orElseGet(() -> t.encode(prefix, true));
  }
}
