package dev.ember.worker;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.engine.Engine;
import dev.ember.engine.EngineClosedException;
import dev.ember.engine.EngineStats;
import dev.ember.function.ContextWorker;
import dev.ember.function.EngineObserver;
import dev.ember.function.FunctionManifest;
import dev.ember.function.PrewarmHook;
import dev.ember.kv.KvEventListener;
import dev.ember.tokenizer.Tokenizer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that owns a function's device context (ARCHITECTURE.md, "One request"), the
 * {@link ContextWorker} the function layer drives: a Vert.x worker verticle on its own single-thread
 * pool. It loads the model in {@link #start()}, runs the engine one step per task while there is work
 * ({@link #kick()} wakes it), and frees every byte in {@link #stop()}. Nothing else ever touches the
 * model, the KV cache or the engine's step.
 *
 * <pre>{@code
 * DeviceWorker w = new DeviceWorker(manifest);
 * w.deploy(vertx).onSuccess(id -> w.engine().submit(...));
 * }</pre>
 */
public final class DeviceWorker extends VerticleBase implements ContextWorker {
  private static final Logger LOG = Logger.getLogger(DeviceWorker.class.getName());
  /** Prewarm hooks on the class path (the built-in warm-up prompts hook among them), loaded once. */
  private static final List<PrewarmHook> HOOKS = ServiceLoader.load(PrewarmHook.class).stream()
      .map(ServiceLoader.Provider::get).toList();

  private final FunctionManifest manifest;
  private final AtomicBoolean idle = new AtomicBoolean(true);
  /** Requests between {@link #enter()} and {@link #exit()}: being tokenized, on their way to the engine. */
  private final AtomicInteger admitting = new AtomicInteger();
  private volatile boolean closing;
  private final FunctionLoader loader;
  private final KvEventListener kvEvents;
  private volatile LoadedFunction loaded;
  private volatile Map<String, Long> loadPhases = Map.of();

  /** Makes device workers for the function layer (listed in META-INF/services). */
  public static final class Factory implements ContextWorker.Factory {
    @Override
    public ContextWorker create(FunctionManifest manifest, ColdStartOptions coldStart, EngineObserver observer,
        KvEventListener kvEvents) {
      return new DeviceWorker(manifest, coldStart, observer, kvEvents);
    }

    @Override
    public PrefixSnapshot.BlockKeys coldPrefix(FunctionManifest manifest, ColdStartOptions coldStart)
        throws IOException {
      return ColdPrefix.read(manifest, coldStart);
    }
  }

  public DeviceWorker(FunctionManifest manifest) {
    this(manifest, ColdStartOptions.defaults(), EngineObserver.NONE, null);
  }

  public DeviceWorker(FunctionManifest manifest, ColdStartOptions coldStart) {
    this(manifest, coldStart, EngineObserver.NONE, null);
  }

  /**
   * With an observer of the engines it builds (the cluster's KV event feed) and a listener that gets the
   * engine's KV events from its load on (a cleared-all event first, then the restored and computed blocks),
   * both attached on this worker's thread before the engine's first step.
   */
  public DeviceWorker(FunctionManifest manifest, ColdStartOptions coldStart, EngineObserver observer,
      KvEventListener kvEvents) {
    this.manifest = manifest;
    this.kvEvents = kvEvents;
    this.loader = new FunctionLoader(coldStart, observer);
    // Waiting for the worker thread counts as a phase: a thread still stuck in an earlier load must not
    // hold this one forever either.
    loader.begin("queued");
  }

  @Override
  public LoadPhase loadPhase() {
    return loader.phase();
  }

  /**
   * Deploys the worker on a pool of exactly one thread named after the function, device first for a pinned
   * context ({@code ember-cpu:1-demo}, so that the 15 characters Linux keeps of a thread's name show the
   * device in {@code top -H}): a context's thread for its whole life.
   */
  @Override
  public Future<String> deploy(Vertx vertx) {
    String device = manifest.device();
    return vertx.deployVerticle(this, new DeploymentOptions()
        .setThreadingModel(ThreadingModel.WORKER)
        .setWorkerPoolName(FunctionManifest.DEFAULT_DEVICE.equals(device) ? "ember-device-" + manifest.name()
            : "ember-" + device + "-" + manifest.name())
        .setWorkerPoolSize(1)
        .setMaxWorkerExecuteTime(15)
        .setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES));
  }

  @Override
  public Future<?> start() throws Exception {
    try {
      loader.begin("beforeWarm");
      for (PrewarmHook hook : HOOKS) {
        hook.beforeWarm(new HookContext(manifest, null));
      }
      load();
    } finally {
      loader.begin(null);
    }
    return Future.succeededFuture();
  }

  private void load() throws Exception {
    LoadedFunction l = loader.load(manifest, kvEvents);
    try {
      loader.begin("hooks");
      long t0 = System.nanoTime();
      HookContext context = new HookContext(manifest, l);
      for (PrewarmHook hook : HOOKS) {
        hook.afterWarm(context);
      }
      Map<String, Long> phases = new LinkedHashMap<>(loader.phases());
      phases.put("hooks", System.nanoTime() - t0);
      loadPhases = Map.copyOf(phases);
    } catch (Exception | Error e) {
      l.close();
      throw e;
    }
    loaded = l;
  }

  /** The engine (thread-safe submit/cancel/stats). Only valid between start and stop. */
  @Override
  public Engine engine() {
    return loadedOrThrow().engine();
  }

  @Override
  public Tokenizer tokenizer() {
    return loadedOrThrow().tokenizer();
  }

  private LoadedFunction loadedOrThrow() {
    LoadedFunction l = loaded;
    if (l == null) {
      throw new EngineClosedException("function " + manifest.name() + " is not loaded");
    }
    return l;
  }

  /**
   * Admits a request into tokenization: returns false once {@link #awaitIdle} has begun (the caller
   * answers 503), else true and the worker is not stopped before the matching {@link #exit()} (unless
   * the drain deadline passes). Any thread.
   */
  @Override
  public boolean enter() {
    admitting.incrementAndGet();
    if (closing) {
      admitting.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Ends an {@link #enter()}: the request is in the engine, or failed. */
  @Override
  public void exit() {
    admitting.decrementAndGet();
  }

  /** Blocks of the KV cache (its capacity). */
  @Override
  public int kvBlocks() {
    return loadedOrThrow().kv().numBlocks();
  }

  @Override
  public int maxModelLen() {
    return loadedOrThrow().maxModelLen();
  }

  /** Load phase durations (ns) of the last start. */
  @Override
  public Map<String, Long> loadPhases() {
    return loadPhases;
  }

  /** Engine counters, or null when not loaded. */
  @Override
  public EngineStats stats() {
    LoadedFunction l = loaded;
    return l == null ? null : l.engine().stats();
  }

  /** Makes sure a step is scheduled; call after submitting or cancelling. Any thread. */
  @Override
  public void kick() {
    if (loaded != null && idle.compareAndSet(true, false)) {
      context.runOnContext(v -> step());
    }
  }

  private void step() {
    LoadedFunction l = loaded;
    if (l == null) {
      return;
    }
    if (l.engine().step()) {
      context.runOnContext(v -> step());
      return;
    }
    idle.set(true);
    // A submission may have raced with the decision to go idle.
    if (l.engine().hasWork() && idle.compareAndSet(true, false)) {
      context.runOnContext(v -> step());
    }
  }

  /**
   * Stops admitting ({@link #enter()} returns false from now on), then completes when no admitted request
   * is still being tokenized and the engine has no queued, waiting or running request, or when the
   * deadline passes; checked on the worker between steps.
   */
  @Override
  public Future<Boolean> awaitIdle(long deadlineNanos) {
    closing = true;
    Promise<Boolean> p = Promise.promise();
    context.runOnContext(v -> pollIdle(p, deadlineNanos));
    return p.future();
  }

  private void pollIdle(Promise<Boolean> p, long deadlineNanos) {
    LoadedFunction l = loaded;
    if (l == null || (admitting.get() == 0 && !l.engine().hasWork())) {
      p.complete(true);
    } else if (System.nanoTime() > deadlineNanos) {
      p.complete(false);
    } else {
      vertx.setTimer(20, id -> context.runOnContext(v -> pollIdle(p, deadlineNanos)));
    }
  }

  /**
   * Aborts what is left (with an error), saves the prefix snapshot, then frees the model, KV cache and
   * tokenizer on this thread.
   */
  @Override
  public Future<?> stop() {
    LoadedFunction l = loaded;
    loaded = null;
    if (l != null) {
      HookContext context = new HookContext(manifest, l);
      for (PrewarmHook hook : HOOKS) {
        try {
          hook.beforeDrain(context);
        } catch (Exception e) {
          LOG.log(Level.WARNING, "function=" + manifest.name() + " hook=" + hook.getClass().getName()
              + " beforeDrain failed", e);
        }
      }
      loader.unload(l);
    }
    return Future.succeededFuture();
  }
}
