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
}
