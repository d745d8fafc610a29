package dev.ember.worker;

import dev.ember.engine.Engine;

/**
 * Watches the engines a replica's device workers build and close, on the device thread. The cluster
 * uses it to follow each engine's KV cache events from the very first block (snapshot restores and
 * prewarm prompts included).
 *
 * <pre>{@code registry.observeEngines((engine, description) -> engine.setKvEventListener(...), ...); }</pre>
 */
public interface EngineObserver {
  /** Observes nothing. */
  EngineObserver NONE = new EngineObserver() {
    @Override
    public void started(Engine engine, EngineDescription description) {}

    @Override
    public void stopped(String function) {}
  };

  /** The engine was built and has run nothing yet; keep the callback short. */
  void started(Engine engine, EngineDescription description);

  /** The function's engine was closed and its KV cache is about to be freed. */
  void stopped(String function);

  /**
   * The function went COLD keeping a prefix snapshot on disk, whose blocks its next load restores:
   * their 64-bit keys, and those among them that start a chain. Called after {@link #stopped}.
   */
  default void coldPrefix(String function, long[] blockKeys, long[] chainStarts) {}

  /** Both observers, this one first (e.g. the cluster's feed and the vLLM-format publisher). */
  default EngineObserver andThen(EngineObserver next) {
    EngineObserver first = this;
    if (first == NONE) {
      return next;
    }
    return new EngineObserver() {
      @Override
      public void started(Engine engine, EngineDescription description) {
        first.started(engine, description);
        next.started(engine, description);
      }

      @Override
      public void stopped(String function) {
        first.stopped(function);
        next.stopped(function);
      }

      @Override
      public void coldPrefix(String function, long[] blockKeys, long[] chainStarts) {
        first.coldPrefix(function, blockKeys, chainStarts);
        next.coldPrefix(function, blockKeys, chainStarts);
      }
    };
  }
}
