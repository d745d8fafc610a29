package dev.ember.function;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.engine.Engine;
import dev.ember.engine.EngineStats;
import dev.ember.kv.KvEventListener;
import dev.ember.tokenizer.Tokenizer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The thread that owns one device context of a function, as the function layer drives it: deployed to
 * load the model, then fed requests through its engine, then drained and undeployed. The function layer
 * owns this port and {@code dev.ember.worker} implements it, so a function never names its worker's
 * class; the implementation is found on the class path, like the prewarm hooks.
 *
 * <pre>{@code
 * ContextWorker w = ContextWorker.Factory.onClassPath().create(manifest, coldStart, EngineObserver.NONE, null);
 * w.deploy(vertx).onSuccess(id -> w.engine().submit(...));
 * }</pre>
 */
public interface ContextWorker {
  /** The phase of a load in progress (open, weights, allocate, restore, hooks) and when it began. */
  record LoadPhase(String name, long startedNanos) {}

  /** Makes the worker of one device context; provided through {@link ServiceLoader}. */
  interface Factory {
    /**
     * A worker for the manifest's one device context, with an observer of the engines it builds (the
     * cluster's KV event feed) and a listener of its engine's KV events from its load on (null: none).
     */
    ContextWorker create(FunctionManifest manifest, ColdStartOptions coldStart, EngineObserver observer,
        KvEventListener kvEvents);

    /**
     * The block keys of the prefix snapshot the manifest's next load would restore, or null when there is
     * none that matches its block size and hash seed. Blocking file reads: call off the event loop.
     */
    PrefixSnapshot.BlockKeys coldPrefix(FunctionManifest manifest, ColdStartOptions coldStart) throws IOException;

    /** The factory on the class path (the runtime ships {@code dev.ember.worker}'s). */
    static Factory onClassPath() {
      return ServiceLoader.load(Factory.class).findFirst().orElseThrow(() -> new IllegalStateException(
          "no " + Factory.class.getName() + " on the class path (META-INF/services)"));
    }
  }

  /** Deploys the worker on a thread of its own, which loads the model; completes with the deployment id. */
  Future<String> deploy(Vertx vertx);

  /** The load phase running now, or null when no load runs; any thread (the load watchdog reads it). */
  LoadPhase loadPhase();

  /** Load phase durations (ns) of the last start. */
  Map<String, Long> loadPhases();

  /** The engine (thread-safe submit/cancel/stats). Only valid between start and stop. */
  Engine engine();

  Tokenizer tokenizer();

  int maxModelLen();

  /** Blocks of the KV cache (its capacity). */
  int kvBlocks();

  /** Engine counters, or null when not loaded. */
  EngineStats stats();

  /**
   * Admits a request into tokenization: false once {@link #awaitIdle} has begun, else true and the worker
   * is not stopped before the matching {@link #exit()} (unless the drain deadline passes). Any thread.
   */
  boolean enter();

  /** Ends an {@link #enter()}: the request is in the engine, or failed. */
  void exit();

  /** Makes sure a step is scheduled; call after submitting or cancelling. Any thread. */
  void kick();

  /**
   * Stops admitting, then completes when no admitted request is still being tokenized and the engine has
   * no work, or when the deadline passes (false).
   */
  Future<Boolean> awaitIdle(long deadlineNanos);
}
