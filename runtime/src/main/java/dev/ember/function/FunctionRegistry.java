package dev.ember.function;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The functions deployed on this replica, by unique name, each on its own device workers (one per device
 * context, see {@link FunctionPool}). Deploying
 * warms a function; one that fails to load stays registered as FAILED with its reason while the others
 * keep serving. Lookups ({@link #function}) read an immutable snapshot and never lock, so the doors may
 * call them on the event loop.
 *
 * <pre>{@code
 * FunctionRegistry registry = new FunctionRegistry(vertx, metrics);
 * registry.deploy(FunctionManifests.load(Path.of("functions/demo.yaml"))).onSuccess(info -> ...);
 * registry.undeploy("demo", Duration.ofSeconds(30));
 * }</pre>
 */
public final class FunctionRegistry implements FunctionGateway {
  private final Vertx vertx;
  private final ServingMetrics metrics;
  private final FunctionLoadOptions loadOptions;
  /** Deployment order; replaced, never mutated, under {@code this}. */
  private volatile Map<String, Deployed> functions = Map.of();
  /** Undeployments in progress, so that a second request joins the first; guarded by {@code this}. */
  private final Map<String, Future<FunctionInfo>> undeploying = new HashMap<>();
  private volatile Consumer<String> onRemoved = name -> {};
  private volatile EngineObserver engineObserver = EngineObserver.NONE;

  /** A registered instance and its latest warm-up attempt (undeploy waits for it before draining). */
  private record Deployed(FunctionPool instance, Future<Void> warming) {}

  public FunctionRegistry(Vertx vertx, ServingMetrics metrics) {
    this(vertx, metrics, FunctionLoadOptions.defaults());
  }

  public FunctionRegistry(Vertx vertx, ServingMetrics metrics, FunctionLoadOptions loadOptions) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.loadOptions = loadOptions;
  }

  /**
   * Registers the function and, when its manifest says so ({@code prewarm.onStart}, or
   * {@code scaling.minWarm > 0}), warms it. The future fails with a 409 {@link FunctionException} when the
   * name is taken; otherwise it completes once warming ends, with the function's info: WARM, or FAILED
   * with the reason (the function stays registered either way), or COLD when it waits for its first
   * request, schedule or prewarm signal.
   */
  public Future<FunctionInfo> deploy(FunctionManifest manifest) {
    synchronized (this) {
      if (functions.containsKey(manifest.name())) {
        return Future.failedFuture(duplicate(manifest.name()));
      }
      FunctionPool instance = FunctionPool.create(vertx, manifest, metrics, System::nanoTime, Clock.systemUTC(),
          loadOptions);
      instance.observeEngines(engineObserver);
      boolean warmNow = manifest.prewarm().onStart() || manifest.scaling().minWarm() > 0;
      Future<Void> warming = warmNow ? instance.warmOnDeploy() : Future.succeededFuture();
      if (!warmNow) {
        announceColdPrefix(instance, engineObserver);
      }
      Map<String, Deployed> next = new LinkedHashMap<>(functions);
      next.put(manifest.name(), new Deployed(instance, warming.otherwiseEmpty()));
      functions = Collections.unmodifiableMap(next);
      return warming.transform(r -> Future.succeededFuture(instance.info()));
    }
  }

  /**
   * A function deployed COLD whose prefix snapshot is on disk (from an earlier run): tells the engine
   * observers its blocks, as if it had just scaled to zero, so a router can wake it for a prompt it holds.
   */
  private void announceColdPrefix(FunctionPool instance, EngineObserver observer) {
    FunctionManifest m = instance.manifest();
    vertx.executeBlocking(() -> ContextWorker.Factory.onClassPath().coldPrefix(m, loadOptions.coldStart()), false).onComplete(r -> {
      if (r.failed()) {
        Logger.getLogger(FunctionRegistry.class.getName())
            .fine(() -> "no prefix snapshot announced for " + m.name() + ": " + r.cause());
      } else if (r.result() != null && instance.state() == FunctionState.COLD) {
        observer.coldPrefix(m.name(), r.result().keys(), r.result().chainStarts());
      }
    });
  }

  /**
   * Drains the function (in-flight requests may finish until the deadline, the rest end with an
   * error), frees its memory and removes it. Fails with a 404 {@link FunctionException} for an unknown
   * name. The name stays taken until the function is removed.
   */
  public synchronized Future<FunctionInfo> undeploy(String name, Duration deadline) {
    Deployed d = functions.get(name);
    if (d == null) {
      return Future.failedFuture(notDeployed(name));
    }
    Future<FunctionInfo> pending = undeploying.get(name);
    if (pending != null) {
      return pending;
    }
    Future<FunctionInfo> removal = d.warming().transform(w -> d.instance().retire(deadline))
        .transform(r -> {
          remove(name);
          return r.succeeded() ? Future.succeededFuture(d.instance().info()) : Future.failedFuture(r.cause());
        });
    if (!removal.isComplete()) {
      undeploying.put(name, removal);
    }
    return removal;
  }

  private void remove(String name) {
    synchronized (this) {
      undeploying.remove(name);
      Map<String, Deployed> next = new LinkedHashMap<>(functions);
      next.remove(name);
      functions = Collections.unmodifiableMap(next);
    }
    onRemoved.accept(name);
  }

  /**
   * Adds a watcher of the engines of functions deployed from now on, after those added before (the
   * cluster's KV event feed, the vLLM-format KV event publisher).
   */
  public synchronized void observeEngines(EngineObserver observer) {
    engineObserver = engineObserver.andThen(observer);
  }

  /** Called with a function's name after it was undeployed (e.g. to drop its metric series). */
  public void onRemoved(Consumer<String> listener) {
    onRemoved = listener;
  }

  /** Drains and removes every function, all at once, within the deadline. */
  public Future<Void> shutdown(Duration deadline) {
    List<Future<FunctionInfo>> all = new ArrayList<>();
    for (String name : functions.keySet()) {
      all.add(undeploy(name, deadline));
    }
    return Future.join(all).mapEmpty();
  }

  /** The function behind a name (all its device contexts), for the admin API. */
  public Optional<FunctionPool> instance(String name) {
    Deployed d = functions.get(name);
    return d == null ? Optional.empty() : Optional.of(d.instance());
  }

  @Override
  public Optional<FunctionEndpoint> function(String name) {
    return instance(name).map(i -> i);
  }

  @Override
  public List<FunctionInfo> list() {
    return functions.values().stream().map(d -> d.instance().info()).toList();
  }

  @Override
  public List<ContextStats> contextStats(FunctionInfo f) {
    return instance(f.name()).map(p -> p.contexts().stream().map(c -> new ContextStats(c.device(), c.stats())).toList())
        .orElseGet(() -> ContextStats.whole(f));
  }

  /** The 409 for deploying a name that is taken. */
  public static FunctionException duplicate(String name) {
    return new FunctionException(409, "invalid_request_error", "function_exists", "name", null,
        "function '" + name + "' is already deployed; undeploy it first (DELETE /functions/" + name + ")");
  }

  /** The 404 for a name that is not deployed. */
  public static FunctionException notDeployed(String name) {
    return new FunctionException(404, "invalid_request_error", "function_not_found", "name", null,
        "function '" + name + "' is not deployed");
  }
}
