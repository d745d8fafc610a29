package dev.ember.function;

import dev.ember.engine.EngineClosedException;
import dev.ember.engine.EngineRequest;
import dev.ember.engine.OutputSink;
import dev.ember.engine.PromptTooLongException;
import dev.ember.engine.RequestHandle;
import dev.ember.kv.KvEventListener;
import dev.ember.sample.InvalidSamplingParamsException;
import dev.ember.sample.SamplingParams;
import dev.ember.tokenizer.ChatTemplate;
import dev.ember.tokenizer.ChatTemplateException;
import dev.ember.tokenizer.Tokenizer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.VertxInternal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One function on this replica: its manifest, its lifecycle state and, while WARM, a {@link ContextWorker}
 * holding the model. As a {@link FunctionEndpoint} it admits requests (bounded queue), tokenizes and
 * renders chat templates on a small shared tokenizer pool, submits to the engine and delivers outputs
 * on the caller's context.
 *
 * <pre>{@code
 * FunctionInstance f = new FunctionInstance(vertx, manifest, metrics);
 * f.warm().onComplete(...);   // COLD -> WARMING -> WARM (or FAILED with a reason)
 * f.drain(Duration.ofSeconds(30)); // DRAINING -> COLD
 * }</pre>
 */
public final class FunctionInstance implements FunctionEndpoint {
  private static final Logger LOG = Logger.getLogger(FunctionInstance.class.getName());
  private static final ContextWorker.Factory WORKERS = ContextWorker.Factory.onClassPath();

  private final Vertx vertx;
  private final FunctionManifest manifest;
  private final ServingMetrics metrics;
  private final long created = Instant.now().getEpochSecond();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile FunctionState state = FunctionState.COLD;
  private volatile String reason;
  private final FunctionLoadOptions loadOptions;
  private final AtomicInteger loadAttempts = new AtomicInteger();
  private volatile ContextWorker worker;
  private volatile String deploymentId;
  private final HeldRequests held;
  private final LongSupplier clock;
  private Future<Void> warming;
  private Future<Void> draining;
  private int failures;
  /** When the latest failed warm-up may be retried, with its reason; null unless FAILED. Read without the lock. */
  private volatile Failure failure;
  private volatile long lastActivityNanos;
  private volatile long keepWarmUntilNanos;
  private long idleTimer = -1;
  private final PrewarmScheduler schedule;
  private volatile EngineObserver engineObserver = EngineObserver.NONE;
  /** Set by a {@link FunctionPool}: whether this context may scale to zero now (decided under the pool's lock). */
  private volatile ScaleDownGate gate;

  /** Receives each engine's KV events from its load on (a pool's per-context prefix index); null: none. */
  private volatile KvEventListener kvEvents;

  /** A pool's say over its contexts' idle drains: minWarm counts contexts per function, not per context. */
  interface ScaleDownGate {
    /** Called under {@code lock()} with the context about to drain; true lets it go. */
    boolean mayDrain(FunctionInstance context);

    Object lock();
  }

  private record Failure(String reason, String publicReason, long retryAtNanos) {}
  private final WorkerExecutor tokenizing;
  /** Tokenizes while the engine is not loaded; opened on first such use, closed when the function retires. */
  private final ColdTokenizer coldTokenizer;

  /**
   * Threads of the process-wide pool that tokenizes, renders chat templates and decodes, shared by all
   * functions. Few on purpose: a ~1 MB prompt needs ~100 MB of transient native memory in the tokenizer,
   * and each thread's malloc arena keeps its peak, so the thread count bounds the resident memory that
   * large prompts can leave behind.
   */
  public static final int TOKENIZER_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  static final String TOKENIZER_POOL = "ember-tokenizer";
  /** One tokenizer pool per Vert.x instance, created on first use and closed with it. */
  private static final java.util.Map<Vertx, WorkerExecutor> TOKENIZER_POOLS = new java.util.WeakHashMap<>();

  private static synchronized WorkerExecutor tokenizerPool(Vertx vertx) {
    return TOKENIZER_POOLS.computeIfAbsent(vertx, v -> v.createSharedWorkerExecutor(TOKENIZER_POOL, TOKENIZER_THREADS));
  }

  public FunctionInstance(Vertx vertx, FunctionManifest manifest, ServingMetrics metrics) {
    this(vertx, manifest, metrics, System::nanoTime, Clock.systemUTC());
  }

  /** With an injected monotonic clock (nanoseconds), for idle-timeout tests. */
  public FunctionInstance(Vertx vertx, FunctionManifest manifest, ServingMetrics metrics, LongSupplier nanoClock) {
    this(vertx, manifest, metrics, nanoClock, Clock.systemUTC());
  }

  /**
   * With injected clocks: monotonic nanoseconds for idle timeouts, and wall-clock time for the prewarm
   * schedule, which starts now when the manifest has one.
   */
  public FunctionInstance(Vertx vertx, FunctionManifest manifest, ServingMetrics metrics, LongSupplier nanoClock,
      Clock wallClock) {
    this(vertx, manifest, metrics, nanoClock, wallClock, FunctionLoadOptions.defaults());
  }

  /** With injected clocks and load options (phase time limit, prefix snapshots). */
  public FunctionInstance(Vertx vertx, FunctionManifest manifest, ServingMetrics metrics, LongSupplier nanoClock,
      Clock wallClock, FunctionLoadOptions loadOptions) {
    this.vertx = vertx;
    this.loadOptions = loadOptions;
    this.manifest = manifest;
    this.metrics = metrics;
    this.clock = nanoClock;
    this.held = new HeldRequests(vertx, manifest.name(), manifest.scaling().maxHeldRequests(),
        manifest.scaling().maxHoldTime());
    this.lastActivityNanos = nanoClock.getAsLong();
    this.tokenizing = tokenizerPool(vertx);
    this.coldTokenizer = new ColdTokenizer(manifest);
    if (manifest.prewarm().schedule().isEmpty()) {
      this.schedule = null;
    } else {
      this.schedule = PrewarmScheduler.of(vertx, manifest.prewarm(), wallClock, () -> {
        LOG.info(() -> "function=" + manifest.name() + " scheduled prewarm");
        prewarm();
      });
      this.schedule.start();
    }
  }

  /** Watches the engines this function builds from the next warm-up on (the cluster's KV event feed). */
  public void observeEngines(EngineObserver observer) {
    this.engineObserver = observer;
  }

  /** Lets a pool decide when this context may scale to zero (its idle timer runs whatever minWarm says). */
  void scaleDownGate(ScaleDownGate g) {
    this.gate = g;
  }

  /** Follows the KV events of every engine this instance loads from now on (set before the first warm-up). */
  void kvEvents(KvEventListener listener) {
    this.kvEvents = listener;
  }

  /** The device worker while WARM, else null (the pool reads its engine's load and prefix cache). */
  ContextWorker worker() {
    ContextWorker w = worker;
    return state == FunctionState.WARM ? w : null;
  }

  /** The prewarm schedule, or null when the manifest has none (tests drive it with their clock). */
  PrewarmScheduler schedule() {
    return schedule;
  }

  /**
   * Takes the function out of service for good (it is being deleted or the server stops): no more
   * scheduled prewarms, then {@link #drain}, then the tokenizer kept for when the engine is not loaded closes.
   */
  public Future<Void> retire(Duration deadline) {
    if (schedule != null) {
      schedule.close();
    }
    return drain(deadline).eventually(() -> tokenizing.executeBlocking(() -> {
      coldTokenizer.close();
      return null;
    }, false));
  }

  /** Requests held while the function warms up. */
  public int heldRequests() {
    return held.size();
  }

  public FunctionManifest manifest() {
    return manifest;
  }

  public FunctionState state() {
    return state;
  }

  /** Why the function is FAILED, precisely (for the server's log and operators), or null. */
  public String reason() {
    return reason;
  }

  /**
   * Why the function is FAILED as API clients see it, or null: the message of a {@link LoadFailedException}
   * (settings and resources), else a generic one, so that answers never reveal what is on the server's disk.
   */
  public String publicReason() {
    Failure f = failure;
    return f == null ? null : f.publicReason();
  }

  /** Loads started since the function was created (each warm-up attempt counts once). */
  public int loadAttempts() {
    return loadAttempts.get();
  }

  /** Requests admitted and not yet finished. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public String name() {
    return manifest.name();
  }

  @Override
  public FunctionInfo info() {
    ContextWorker w = worker;
    return new FunctionInfo(manifest.name(), manifest.model().declaredPath(), manifest.device(), state, publicReason(),
        w != null && state == FunctionState.WARM ? w.maxModelLen() : manifest.engine().maxModelLen(), created,
        w != null ? w.stats() : null);
  }

  /** Loads the model on a new device worker: COLD/FAILED -> WARMING -> WARM, or FAILED with the reason. */
  public synchronized Future<Void> warm() {
    if (state == FunctionState.WARM) {
      return Future.succeededFuture();
    }
    if (state == FunctionState.WARMING) {
      return warming;
    }
    if (state == FunctionState.DRAINING) {
      return draining.transform(r -> warm());
    }
    state = FunctionState.WARMING;
    reason = null;
    failure = null;
    loadAttempts.incrementAndGet();
    long t0 = System.nanoTime();
    ContextWorker w = WORKERS.create(manifest, loadOptions.coldStart(), engineObserver, kvEvents);
    warming = timeBoxed(w).<Void>map(id -> {
      synchronized (this) {
        worker = w;
        deploymentId = id;
        state = FunctionState.WARM;
        failures = 0;
        lastActivityNanos = clock.getAsLong();
        startIdleTimer();
        // Under the same lock as the state change, so a request that saw WARMING either was held
        // before this release or runs at once (the gate stays open until drain shuts it).
        held.release();
      }
      java.util.Map<String, Long> phases = new java.util.LinkedHashMap<>(w.loadPhases());
      phases.put("total", System.nanoTime() - t0);
      metrics.coldStart(manifest.name(), manifest.device(), phases);
      LOG.info(() -> "function=" + manifest.name() + " state=WARM load_ms=" + (System.nanoTime() - t0) / 1_000_000);
      return null;
    }).recover(e -> {
      FunctionException unavailable;
      String why;
      synchronized (this) {
        why = e.getMessage() != null ? e.getMessage() : e.toString();
        String shown = e instanceof LoadFailedException ? why
            : "model could not be loaded: see the server log for function '" + manifest.name() + "'";
        failures++;
        failure = new Failure(why, shown, clock.getAsLong() + backoffNanos());
        reason = why;
        state = FunctionState.FAILED;
        unavailable = FunctionException.unavailable(manifest.name(), "failed to load: " + shown,
            (int) Math.max(1, backoffNanos() / 1_000_000_000L));
      }
      LOG.log(Level.WARNING, "function=" + manifest.name() + " state=FAILED reason=" + why);
      held.failAll(unavailable);
      return Future.failedFuture(unavailable);
    });
    return warming;
  }

  /**
   * Deploys the worker, failing the load when one phase runs past the phase time limit. The deployment
   * may still finish later (a thread stuck in a read cannot be stopped): a late success is undeployed
   * at once, so nothing stays loaded behind a FAILED function.
   */
  private Future<String> timeBoxed(ContextWorker w) {
    Promise<String> loaded = Promise.promise();
    long limit = loadOptions.phaseTimeout().toNanos();
    long every = Math.max(10, Math.min(1000, loadOptions.phaseTimeout().toMillis() / 4));
    long watchdog = vertx.setPeriodic(every, id -> {
      ContextWorker.LoadPhase p = w.loadPhase();
      if (p != null && System.nanoTime() - p.startedNanos() > limit) {
        loaded.tryFail(new LoadFailedException("load phase '" + p.name() + "' took longer than "
            + DurationText.format(loadOptions.phaseTimeout())));
      }
    });
    w.deploy(vertx).onComplete(r -> {
      vertx.cancelTimer(watchdog);
      if (r.succeeded() ? !loaded.tryComplete(r.result()) : !loaded.tryFail(r.cause())) {
        LOG.warning(() -> "function=" + manifest.name() + " a load that ran past its time limit ended "
            + (r.succeeded() ? "(unloading it)" : "with: " + r.cause()));
        if (r.succeeded()) {
          Context outside = ((VertxInternal) vertx).createEventLoopContext();
          outside.runOnContext(v -> vertx.undeploy(r.result()));
        }
      }
    });
    return loaded.future();
  }

  /**
   * Warms (if needed) and keeps the function WARM for the manifest's {@code prewarm.keepWarmFor}. A
   * FAILED function is retried only once its backoff has passed, like a request would.
   */
  public Future<Void> prewarm() {
    keepWarmUntilNanos = clock.getAsLong() + manifest.prewarm().keepWarmFor().toNanos();
    synchronized (this) {
      if (state == FunctionState.FAILED && retryInNanos() > 0) {
        return Future.failedFuture(unavailable());
      }
    }
    return warm();
  }

  /** Nanoseconds until a FAILED function may try loading again (<= 0: now). */
  private long retryInNanos() {
    Failure f = failure;
    return f == null ? 0 : f.retryAtNanos() - clock.getAsLong();
  }

  /** Retry delay after the latest failed warm-up: 1 s, doubling per consecutive failure, at most 60 s. */
  private long backoffNanos() {
    return Math.min(60_000_000_000L, 1_000_000_000L << Math.min(6, Math.max(0, failures - 1)));
  }

  /** While WARM and allowed to scale to zero, checks for idleness a few times per idle timeout. */
  private void startIdleTimer() {
    if (gate == null && manifest.scaling().minWarm() > 0) {
      return;
    }
    long every = Math.max(10, Math.min(1000, manifest.scaling().idleTimeout().toMillis() / 4));
    idleTimer = vertx.setPeriodic(every, id -> checkIdle());
  }

  /** Drains to COLD when nothing has happened for the idle timeout (and no prewarm keeps it warm). */
  void checkIdle() {
    long now = clock.getAsLong();
    boolean idle;
    synchronized (this) {
      idle = state == FunctionState.WARM && inFlight.get() == 0 && held.size() == 0
          && now - lastActivityNanos >= manifest.scaling().idleTimeout().toNanos() && now >= keepWarmUntilNanos;
    }
    if (!idle) {
      return;
    }
    ScaleDownGate g = gate;
    if (g != null) {
      synchronized (g.lock()) {
        if (!g.mayDrain(this)) {
          return;
        }
        logScaleToZero(now);
        drain(Duration.ofSeconds(30));
      }
      return;
    }
    logScaleToZero(now);
    drain(Duration.ofSeconds(30));
  }

  private void logScaleToZero(long now) {
    LOG.info(() -> "function=" + manifest.name() + " device=" + manifest.device() + " idle_ms="
        + (now - lastActivityNanos) / 1_000_000 + " scaling to zero");
  }

  /**
   * Stops admitting requests (DRAINING), lets in-flight ones finish until the deadline, aborts the
   * rest with an error, and frees everything (COLD).
   */
  public synchronized Future<Void> drain(Duration deadline) {
    if (state == FunctionState.DRAINING) {
      return draining;
    }
    ContextWorker w = worker;
    if (w == null || state != FunctionState.WARM) {
      if (state == FunctionState.FAILED) {
        state = FunctionState.COLD;
      }
      return Future.succeededFuture();
    }
    state = FunctionState.DRAINING;
    held.shut();
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
    }
    String id = deploymentId;
    // Undeploy from an event loop, never from the worker's own context (awaitIdle completes there):
    // that context's pool closes with the undeployment, and the completion queued on it would never run.
    Context outside = ((VertxInternal) vertx).createEventLoopContext();
    draining = w.awaitIdle(System.nanoTime() + deadline.toNanos())
        .compose(idle -> {
          Promise<Void> undeployed = Promise.promise();
          outside.runOnContext(v -> vertx.undeploy(id).onComplete(undeployed));
          return undeployed.future();
        })
        .<Void>mapEmpty()
        .onComplete(r -> {
          synchronized (this) {
            worker = null;
            deploymentId = null;
            state = FunctionState.COLD;
          }
          LOG.info(() -> "function=" + manifest.name() + " state=COLD");
          if (held.size() > 0) {
            warm();
          }
        });
    return draining;
  }

  /**
   * Admits a request. While WARM it is tokenized and queued at once; while COLD, WARMING or DRAINING it
   * is held (starting a warm-up if none runs) and queued once WARM; while FAILED it gets 503 until the
   * retry backoff has passed, after which it triggers a new warm-up.
   */
  @Override
  public Future<Submission> submit(InferenceRequest request, OutputSink sink) {
    lastActivityNanos = clock.getAsLong();
    FunctionState s = state;
    if (s == FunctionState.WARM) {
      return submitNow(request, sink);
    }
    Failure failed = failure;
    if (s == FunctionState.FAILED && failed != null) {
      long wait = failed.retryAtNanos() - clock.getAsLong();
      if (wait > 0) {
        return Future.failedFuture(FunctionException.unavailable(manifest.name(), "failed to load: "
            + failed.publicReason(),
            (int) Math.max(1, (wait + 999_999_999L) / 1_000_000_000L)));
      }
    }
    Context caller = vertx.getOrCreateContext();
    Future<Submission> f = held.hold(() -> {
      Promise<Submission> p = Promise.promise();
      caller.runOnContext(v -> submitNow(request, sink).onComplete(p));
      return p.future();
    });
    if (!f.failed()) {
      warm();
    }
    return f;
  }

  private Future<Submission> submitNow(InferenceRequest request, OutputSink sink) {
    ContextWorker w = worker;
    if (state != FunctionState.WARM || w == null) {
      return Future.failedFuture(unavailable());
    }
    int limit = manifest.limits().maxQueue();
    if (inFlight.incrementAndGet() > limit) {
      inFlight.decrementAndGet();
      return Future.failedFuture(FunctionException.queueFull(manifest.name(), 1));
    }
    Integer maxTokens = request.params().maxTokens();
    if (maxTokens != null && maxTokens > manifest.limits().maxTokens()) {
      inFlight.decrementAndGet();
      return Future.failedFuture(FunctionException.invalid("max_tokens", "max_tokens " + maxTokens
          + " exceeds this function's limit of " + manifest.limits().maxTokens()));
    }
    // Counted until the request is in the engine, so a drain that starts meanwhile waits for it
    // instead of closing the tokenizer and engine under it.
    if (!w.enter()) {
      inFlight.decrementAndGet();
      return Future.failedFuture(unavailable());
    }
    Context caller = vertx.getOrCreateContext();
    OrderedDelivery delivery = new OrderedDelivery(caller, tracking(request, sink));
    Future<Submission> f = tokenizing.executeBlocking(() -> {
      try {
        int[] ids = encode(w.tokenizer(), request.prompt());
        SamplingParams params = request.params();
        if (params.maxTokens() == null) {
          params = params.toBuilder().maxTokens(Math.min(manifest.limits().maxTokens(),
              Math.max(1, w.maxModelLen() - ids.length))).build();
        }
        // Hashes a router computed from these very ids save the engine hashing the prompt again.
        RequestHandle h = w.engine().submit(new EngineRequest(request.requestId(), ids, params, request.cacheSalt(),
            request.priority(), delivery, request.prompt() instanceof Prompt.Tokens ? request.promptHashes() : null));
        w.kick();
        return new Submission(ids.length, h);
      } finally {
        w.exit();
      }
    }, false);
    return f.<Submission>transform(r -> {
      if (r.succeeded()) {
        delivery.openAfterCurrentTask();
        return Future.succeededFuture(r.result());
      }
      inFlight.decrementAndGet();
      return Future.failedFuture(toFunctionException(r.cause(), request.prompt()));
    });
  }

  /** Wraps the caller's sink: counts the request out when it finishes, and feeds metrics (worker thread). */
  private OutputSink tracking(InferenceRequest request, OutputSink sink) {
    long[] last = new long[Math.max(1, request.params().n())];
    return out -> {
      if (out.tokenId() >= 0 && out.index() < last.length) {
        long now = System.nanoTime();
        if (last[out.index()] != 0) {
          metrics.interTokenLatency(manifest.name(), manifest.device(), now - last[out.index()]);
        }
        last[out.index()] = now;
      }
      if (out.requestFinished()) {
        lastActivityNanos = clock.getAsLong();
        inFlight.decrementAndGet();
        metrics.requestFinished(manifest.name(), manifest.device(), out.usage(), out.timings(), out.finishReason());
      }
      sink.accept(out);
    };
  }

  private int[] encode(Tokenizer tokenizer, Prompt prompt) {
    return switch (prompt) {
      case Prompt.Tokens t -> t.ids().clone();
      case Prompt.Text t -> tokenizer.encode(t.text(), true);
      case Prompt.Chat c -> {
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> FunctionException.invalid("messages",
            "function '" + manifest.name() + "' has no chat template; use /v1/completions"));
        String text = template.render(c.messages(), c.addGenerationPrompt(), c.templateVariables());
        yield tokenizer.encode(text, false);
      }
    };
  }

  /**
   * The prompt's token ids, off the event loop: with the engine's tokenizer while WARM, else (COLD, WARMING,
   * DRAINING) with the tokenizer opened from the model files alone, which neither loads the weights nor wakes
   * the function. A FAILED function answers 503 with its reason.
   */
  @Override
  public Future<int[]> tokenize(Prompt prompt) {
    ContextWorker w = worker;
    if (state == FunctionState.FAILED) {
      return Future.failedFuture(unavailable());
    }
    if (state != FunctionState.WARM || w == null) {
      return tokenizing.executeBlocking(() -> coldTokenizer.use(t -> encode(t, prompt)), false)
          .recover(e -> Future.failedFuture(toFunctionException(e, prompt)));
    }
    if (!w.enter()) {
      return Future.failedFuture(unavailable());
    }
    return tokenizing.executeBlocking(() -> {
      try {
        return encode(w.tokenizer(), prompt);
      } finally {
        w.exit();
      }
    }, false).recover(e -> Future.failedFuture(toFunctionException(e, prompt)));
  }

  /** The ids' text, off the event loop, with the same tokenizers as {@link #tokenize}. */
  @Override
  public Future<String> detokenize(int[] ids) {
    ContextWorker w = worker;
    if (state == FunctionState.FAILED) {
      return Future.failedFuture(unavailable());
    }
    if (state != FunctionState.WARM || w == null) {
      return tokenizing.executeBlocking(() -> coldTokenizer.use(t -> {
        FunctionException bad = outsideVocabulary(ids, t.vocabSize());
        if (bad != null) {
          throw bad;
        }
        return t.decode(ids, false);
      }), false).recover(e -> Future.failedFuture(toFunctionException(e, null)));
    }
    FunctionException bad = outsideVocabulary(ids, w.tokenizer().vocabSize());
    if (bad != null) {
      return Future.failedFuture(bad);
    }
    if (!w.enter()) {
      return Future.failedFuture(unavailable());
    }
    return tokenizing.executeBlocking(() -> {
      try {
        return w.tokenizer().decode(ids, false);
      } finally {
        w.exit();
      }
    }, false).recover(e -> Future.failedFuture(toFunctionException(e, null)));
  }

  /** The error for the first id outside the vocabulary, or null when all are inside. */
  private static FunctionException outsideVocabulary(int[] ids, int vocab) {
    for (int id : ids) {
      if (id < 0 || id >= vocab) {
        return FunctionException.invalid("tokens", "token id " + id + " is outside [0, " + vocab + ")");
      }
    }
    return null;
  }

  /** Decodes one token's text (for logprobs), off the event loop. */
  public Future<String[]> tokenTexts(int[] ids) {
    ContextWorker w = worker;
    if (w == null) {
      return Future.failedFuture(unavailable());
    }
    // Usually called for a request still running; one finishing as a drain starts still decodes (and
    // gets a clear error, never a crash, if the deadline has already closed the tokenizer).
    boolean entered = w.enter();
    return tokenizing.executeBlocking(() -> {
      try {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
          out[i] = w.tokenizer().decode(new int[] {ids[i]}, false);
        }
        return out;
      } finally {
        if (entered) {
          w.exit();
        }
      }
    }, false).recover(e -> Future.failedFuture(toFunctionException(e, null)));
  }

  private FunctionException unavailable() {
    return switch (state) {
      case FAILED -> FunctionException.unavailable(manifest.name(), "failed to load: " + publicReason(),
          (int) Math.max(1, (retryInNanos() + 999_999_999L) / 1_000_000_000L));
      case DRAINING -> FunctionException.unavailable(manifest.name(), "draining", 1);
      default -> FunctionException.unavailable(manifest.name(), "function is " + state, 1);
    };
  }

  /** The error for a failed submit or tokenize; a too-long prompt names the field that held it. */
  private FunctionException toFunctionException(Throwable e, Prompt prompt) {
    if (e instanceof FunctionException fe) {
      return fe;
    }
    if (e instanceof EngineClosedException) {
      return FunctionException.unavailable(manifest.name(), "draining", 1);
    }
    if (e instanceof IllegalStateException && state != FunctionState.WARM) {
      // the drain deadline passed and the tokenizer was closed under a request
      return unavailable();
    }
    if (e instanceof InvalidSamplingParamsException ie) {
      return FunctionException.invalid(ie.param(), ie.getMessage());
    }
    if (e instanceof PromptTooLongException pe) {
      return new FunctionException(400, "invalid_request_error", "context_length_exceeded",
          prompt instanceof Prompt.Chat ? "messages" : "prompt", null, pe.getMessage());
    }
    if (e instanceof ChatTemplateException ce) {
      return FunctionException.invalid("messages", "chat template: " + ce.getMessage());
    }
    if (e instanceof IllegalArgumentException ie) {
      return FunctionException.invalid(null, ie.getMessage());
    }
    return new FunctionException(500, "internal_error", null, null, null, String.valueOf(e.getMessage()));
  }
}
