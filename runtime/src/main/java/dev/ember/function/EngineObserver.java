package dev.ember.function;

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
    public void stopped(EngineDescription description) {}
  };

  /** The engine was built and has run nothing yet; keep the callback short. */
  void started(Engine engine, EngineDescription description);

  /**
   * The engine {@code started} described was closed and its KV cache is about to be freed. A function on
   * several device contexts has one engine per context ({@link EngineDescription#device()}): the others
   * keep running and keep their blocks.
   */
  void stopped(EngineDescription description);

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
      public void stopped(EngineDescription description) {
        first.stopped(description);
        next.stopped(description);
      }

      @Override
      public void coldPrefix(String function, long[] blockKeys, long[] chainStarts) {
        first.coldPrefix(function, blockKeys, chainStarts);
        next.coldPrefix(function, blockKeys, chainStarts);
      }
    };
  }
}
