package dev.ember.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Warm-up hooks run on the thread that owns an engine, before it serves: pins prefixes (a system
 * prompt's KV blocks computed and kept) and runs warm-up prompts, stepping the engine until all are done.
 *
 * <pre>{@code int pinned = EngineWarmup.pinPrefixes(engine, List.of(systemPromptIds)); }</pre>
 */
public final class EngineWarmup {
  private static final int MAX_STEPS = 1_000_000;

  private EngineWarmup() {}

  /**
   * Pins each prefix ({@link Engine#pinPrefix}); returns the total tokens pinned. Throws (and unpins them
   * all) when they leave too little of the KV cache for a {@code maxModelLen} sequence
   * ({@link Engine#checkPinBudget}). Owner thread only.
   */
  public static int pinPrefixes(Engine engine, List<int[]> prefixes) {
    List<CompletableFuture<Integer>> pins = new ArrayList<>();
    for (int[] p : prefixes) {
      pins.add(engine.pinPrefix(p, null));
    }
    stepUntilDone(engine, pins);
    int tokens = pins.stream().mapToInt(CompletableFuture::join).sum();
    try {
      engine.checkPinBudget();
    } catch (IllegalStateException e) {
      engine.unpinAll();
      throw e;
    }
    return tokens;
  }

  /** Runs each prompt as a one-token request (filling the prefix cache, touching every weight). Owner thread only. */
  public static void runPrompts(Engine engine, List<int[]> prompts) {
    List<CompletableFuture<Integer>> runs = new ArrayList<>();
    for (int[] p : prompts) {
      runs.add(engine.warmUp(p));
    }
    stepUntilDone(engine, runs);
    runs.forEach(CompletableFuture::join);
  }

  private static void stepUntilDone(Engine engine, List<CompletableFuture<Integer>> work) {
    for (int i = 0; i < MAX_STEPS && !work.stream().allMatch(CompletableFuture::isDone); i++) {
      engine.step();
    }
    if (!work.stream().allMatch(CompletableFuture::isDone)) {
      throw new IllegalStateException("warm-up did not finish in " + MAX_STEPS + " steps");
    }
  }
}
