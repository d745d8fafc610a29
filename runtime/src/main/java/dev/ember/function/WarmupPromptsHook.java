package dev.ember.function;

import java.util.logging.Logger;

/**
 * Built-in prewarm hook: runs the manifest's {@code prewarm.prompts} before the function turns WARM, so
 * the first user request finds every kernel path, page of weights and JIT-compiled method already hot.
 */
public final class WarmupPromptsHook implements PrewarmHook {
  private static final Logger LOG = Logger.getLogger(WarmupPromptsHook.class.getName());
  /** Tokens generated per warm-up prompt: enough to exercise decode, cheap enough for a cold start. */
  public static final int WARMUP_TOKENS = 4;

  @Override
  public void afterWarm(WarmContext context) {
    for (String prompt : context.manifest().prewarm().prompts()) {
      long t0 = System.nanoTime();
      context.generate(prompt, WARMUP_TOKENS);
      LOG.fine(() -> "function=" + context.function() + " warmup_prompt_ms=" + (System.nanoTime() - t0) / 1_000_000);
    }
  }
}
