package dev.ember.function;

import dev.ember.device.CpuTopology;
import dev.ember.device.DeviceContext;
import dev.ember.device.DevicePlan;
import dev.ember.engine.EngineStats;
import dev.ember.engine.OutputSink;
import dev.ember.kv.BlockHasher;
import dev.ember.kv.KvCacheOptions;
import dev.ember.kv.PromptHashes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One function on all its device contexts: a {@link FunctionInstance} per context (its own device worker
 * thread, engine, KV cache of the manifest's {@code kvCacheMemory}, and pinned kernel threads), behind one
 * endpoint that routes each request to a context by {@link RouteCost}: the prompt is tokenized once, each
 * WARM context reports how many of its leading blocks it caches and how loaded it is, and the cheapest
 * wins. Contexts scale to zero independently down to {@code scaling.minWarm} (counted for the function);
 * a request to a cold function wakes one context, and another wakes while every warm one is busy, up to
 * {@code scaling.maxContexts}.
 *
 * <pre>{@code
 * FunctionPool f = FunctionPool.create(vertx, manifest.withDevice("cpu:0,cpu:1"), metrics);
 * f.warm();  f.submit(request, sink);  f.contexts();  // per context: device, state, load
 * }</pre>
 */
public final class FunctionPool implements FunctionEndpoint {
  private static final ThreadLocal<Map<String, BlockHasher>> HASHERS = ThreadLocal.withInitial(HashMap::new);

  private final Vertx vertx;
  private final FunctionManifest manifest;
  private final List<Context> contexts;
  private final RouteCost cost = new RouteCost(RouteCost.DEFAULT_WEIGHT);
  private final long created = Instant.now().getEpochSecond();

  /** One context of the function as the router and the admin API see it. */
  private static final class Context implements RouteCost.Candidate {
    final String device;
    final FunctionInstance instance;
    /** The context's cached blocks, fed by its engines' KV events from each load on. */
    final ContextPrefixIndex prefixes = new ContextPrefixIndex();
    /** The requests routed to it lately. */
    final RecentCount recent = new RecentCount();

    Context(String device, FunctionInstance instance) {
      this.device = device;
      this.instance = instance;
      instance.kvEvents(prefixes);
    }

    @Override
    public boolean warm() {
      return instance.state() == FunctionState.WARM;
    }

    @Override
    public int activeBlocks() {
      ContextWorker w = instance.worker();
      if (w == null) {
        return 0;
      }
      try {
        return (int) Math.round(w.engine().stats().kvUsage() * w.kvBlocks());
      } catch (RuntimeException closed) {
        return 0;
      }
    }

    @Override
    public int overlapBlocks(long[] promptBlockKeys) {
      return warm() ? prefixes.overlapBlocks(promptBlockKeys) : 0;
    }

    @Override
    public int recentRequests() {
      return (int) Math.round(recent.at(System.nanoTime()));
    }
  }

  /** A context's device, state and load, for {@code GET /functions/{name}}. */
  public record ContextInfo(String device, FunctionState state, String reason, int activeBlocks, int inFlight,
      EngineStats stats) {}

  private FunctionPool(Vertx vertx, FunctionManifest manifest, List<Context> contexts) {
    this.vertx = vertx;
    this.manifest = manifest;
    this.contexts = List.copyOf(contexts);
  }

  public static FunctionPool create(Vertx vertx, FunctionManifest manifest, ServingMetrics metrics) {
    return create(vertx, manifest, metrics, System::nanoTime, Clock.systemUTC(), FunctionLoadOptions.defaults());
  }

  /**
   * One instance per device context of the manifest. A device list the host cannot give (checked when the
   * manifest was read, but the host may have changed) makes one context that fails to load with the reason.
   */
  public static FunctionPool create(Vertx vertx, FunctionManifest manifest, ServingMetrics metrics,
      LongSupplier nanoClock, Clock wallClock, FunctionLoadOptions loadOptions) {
    List<String> devices = devices(manifest);
    List<Context> contexts = new ArrayList<>();
    for (String d : devices) {
      FunctionManifest m = devices.size() == 1 ? manifest : manifest.withDevice(d);
      contexts.add(new Context(d, new FunctionInstance(vertx, m, metrics, nanoClock, wallClock, loadOptions)));
    }
    FunctionPool pool = new FunctionPool(vertx, manifest, contexts);
    if (contexts.size() > 1) {
      FunctionInstance.ScaleDownGate gate = new FunctionInstance.ScaleDownGate() {
        @Override
        public boolean mayDrain(FunctionInstance context) {
          return pool.warmCount() > manifest.scaling().minWarm();
        }

        @Override
        public Object lock() {
          return pool;
        }
      };
      contexts.forEach(c -> c.instance.scaleDownGate(gate));
    }
    return pool;
  }

  private static List<String> devices(FunctionManifest manifest) {
    try {
      List<DeviceContext> resolved = DevicePlan.resolve(manifest.devices(), CpuTopology.host());
      return resolved.stream().map(DeviceContext::name).toList();
    } catch (Exception e) {
      return List.of(manifest.device());
    }
  }

  /** WARM or WARMING contexts (DRAINING ones are on their way out). */
  private int warmCount() {
    int n = 0;
    for (Context c : contexts) {
      FunctionState s = c.instance.state();
      if (s == FunctionState.WARM || s == FunctionState.WARMING) {
        n++;
      }
    }
    return n;
  }

  /** Watches the engines every context builds from the next warm-up on (the cluster's KV event feed). */
  public void observeEngines(EngineObserver observer) {
    for (Context c : contexts) {
      c.instance.observeEngines(observer);
    }
  }

  public FunctionManifest manifest() {
    return manifest;
  }

  /** The per-context instances, in device order. */
  public List<FunctionInstance> instances() {
    return contexts.stream().map(c -> c.instance).toList();
  }

  public List<ContextInfo> contexts() {
    List<ContextInfo> out = new ArrayList<>(contexts.size());
    for (Context c : contexts) {
      FunctionInfo i = c.instance.info();
      out.add(new ContextInfo(c.device, i.state(), i.reason(), c.activeBlocks(), c.instance.inFlight(), i.stats()));
    }
    return out;
  }

  /** WARM when a context is; else WARMING, DRAINING; FAILED only when every context failed; else COLD. */
  public FunctionState state() {
    boolean warming = false;
    boolean draining = false;
    int failed = 0;
    for (Context c : contexts) {
      switch (c.instance.state()) {
        case WARM -> {
          return FunctionState.WARM;
        }
        case WARMING -> warming = true;
        case DRAINING -> draining = true;
        case FAILED -> failed++;
        default -> { }
      }
    }
    return warming ? FunctionState.WARMING : draining ? FunctionState.DRAINING
        : failed == contexts.size() ? FunctionState.FAILED : FunctionState.COLD;
  }

  /** The first failed context's reason, precisely (for logs), or null. */
  public String reason() {
    return contexts.stream().map(c -> c.instance.reason()).filter(r -> r != null).findFirst().orElse(null);
  }

  private String publicReason() {
    for (Context c : contexts) {
      String r = c.instance.publicReason();
      if (r != null) {
        return contexts.size() == 1 ? r : c.device + ": " + r;
      }
    }
    return null;
  }

  @Override
  public String name() {
    return manifest.name();
  }

  @Override
  public FunctionInfo info() {
    if (contexts.size() == 1) {
      return contexts.get(0).instance.info();
    }
    int maxModelLen = manifest.engine().maxModelLen();
    EngineStats sum = null;
    for (Context c : contexts) {
      FunctionInfo i = c.instance.info();
      if (i.state() == FunctionState.WARM) {
        maxModelLen = i.maxModelLen();
      }
      sum = i.stats() == null ? sum : sum == null ? i.stats() : add(sum, i.stats());
    }
    return new FunctionInfo(manifest.name(), manifest.model().declaredPath(), manifest.device(), state(),
        publicReason(), maxModelLen, created, sum);
  }

  private static EngineStats add(EngineStats a, EngineStats b) {
    int free = a.freeBlocks() + b.freeBlocks();
    return new EngineStats(a.running() + b.running(), a.waiting() + b.waiting(), (a.kvUsage() + b.kvUsage()) / 2,
        free, a.prefixCacheQueries() + b.prefixCacheQueries(), a.prefixCacheHits() + b.prefixCacheHits(),
        a.preemptions() + b.preemptions(), a.steps() + b.steps(), a.requestsSubmitted() + b.requestsSubmitted(),
        a.requestsFinished() + b.requestsFinished(), a.promptTokens() + b.promptTokens(),
        a.generationTokens() + b.generationTokens(), a.scheduleNanos() + b.scheduleNanos(),
        a.forwardNanos() + b.forwardNanos(), a.sampleNanos() + b.sampleNanos());
  }

  /**
   * Warms the contexts a deployment starts with: all it may keep warm ({@code scaling.maxContexts}) when
   * {@code prewarm.onStart}, else {@code scaling.minWarm} of them. Completes when every attempt has ended;
   * fails only when none of them is WARM.
   */
  public Future<Void> warmOnDeploy() {
    int n = manifest.prewarm().onStart() ? manifest.scaling().maxContexts(contexts.size())
        : Math.min(contexts.size(), manifest.scaling().minWarm());
    return warmFirst(Math.max(1, n));
  }

  /** Warms one context (the first that is not FAILED, else the first): a scale-from-zero pays one load. */
  public Future<Void> warm() {
    return warmFirst(1);
  }

  private Future<Void> warmFirst(int n) {
    List<Future<Void>> all = new ArrayList<>();
    for (Context c : contexts) {
      if (all.size() == n) {
        break;
      }
      all.add(c.instance.warm());
    }
    return Future.join(all).transform(r -> state() == FunctionState.WARM ? Future.succeededFuture()
        : all.get(0).failed() ? Future.failedFuture(all.get(0).cause()) : Future.succeededFuture());
  }

  /** The prewarm signal: warms {@code max(1, minWarm)} contexts and keeps them warm for {@code keepWarmFor}. */
  public Future<Void> prewarm() {
    int n = Math.max(1, Math.min(contexts.size(), manifest.scaling().minWarm()));
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(contexts.get(i).instance.prewarm());
    }
    return Future.join(all).mapEmpty();
  }

  /** Takes every context out of service for good (undeploy, shutdown). */
  public Future<Void> retire(Duration deadline) {
    List<Future<Void>> all = contexts.stream().map(c -> c.instance.retire(deadline)).toList();
    return Future.join(all).mapEmpty();
  }

  @Override
  public Future<Submission> submit(InferenceRequest request, OutputSink sink) {
    if (contexts.size() == 1) {
      return contexts.get(0).instance.submit(request, sink);
    }
    List<Context> warm = contexts.stream().filter(Context::warm).toList();
    if (warm.isEmpty()) {
      return coldTarget().instance.submit(request, sink);
    }
    maybeWakeAnother(warm);
    if (warm.size() == 1) {
      return warm.get(0).instance.submit(request, sink);
    }
    // Tokenize and hash once (on a worker thread; a cluster router may have done both), then weigh each
    // WARM context's overlap and load; the chosen engine takes the hashes instead of hashing again.
    String seed = manifest.engine().hashSeed();
    int blockSize = manifest.engine().blockSize();
    PromptHashes given = request.promptHashes();
    Future<int[]> tokens = request.prompt() instanceof Prompt.Tokens t ? Future.succeededFuture(t.ids())
        : warm.get(0).instance.tokenize(request.prompt());
    return tokens.compose(ids -> (given != null && request.prompt() instanceof Prompt.Tokens
        && given.seed().equals(seed) && given.blockSize() == blockSize
        && java.util.Objects.equals(given.cacheSalt(), request.cacheSalt()) ? Future.succeededFuture(given)
        : vertx.executeBlocking(() -> PromptHashes.of(HASHERS.get().computeIfAbsent(seed, BlockHasher::new), seed, ids,
            blockSize, request.cacheSalt()), false)).compose(hashes -> {
      int i = cost.choose(contexts, hashes.keys());
      Context chosen = contexts.get(i < 0 ? 0 : i);
      chosen.recent.add(System.nanoTime());
      InferenceRequest tokenized = new InferenceRequest(request.requestId(), request.function(),
          new Prompt.Tokens(ids), request.params(), request.cacheSalt(), request.priority(), hashes);
      return chosen.instance.submit(tokenized, sink);
    }));
  }

  /** With nothing warm: a context already warming (its held requests are released when it is WARM), else the first not FAILED. */
  private Context coldTarget() {
    for (Context c : contexts) {
      if (c.instance.state() == FunctionState.WARMING) {
        return c;
      }
    }
    for (Context c : contexts) {
      if (c.instance.state() != FunctionState.FAILED) {
        return c;
      }
    }
    return contexts.get(0);
  }

  /** While every WARM context is busy and fewer than maxContexts are up, warms the next COLD one. */
  private void maybeWakeAnother(List<Context> warm) {
    if (warmCount() >= manifest.scaling().maxContexts(contexts.size())) {
      return;
    }
    for (Context c : warm) {
      if (c.instance.inFlight() == 0) {
        return;
      }
    }
    for (Context c : contexts) {
      if (c.instance.state() == FunctionState.COLD) {
        c.instance.warm();
        return;
      }
    }
  }

  @Override
  public Future<int[]> tokenize(Prompt prompt) {
    return anyWarm().tokenize(prompt);
  }

  @Override
  public Future<String> detokenize(int[] ids) {
    return anyWarm().detokenize(ids);
  }

  /** A WARM context's instance, or the first (which answers 503 with its state). */
  private FunctionInstance anyWarm() {
    for (Context c : contexts) {
      if (c.warm()) {
        return c.instance;
      }
    }
    return contexts.get(0).instance;
  }
}
