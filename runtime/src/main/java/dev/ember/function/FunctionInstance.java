package dev.ember.function;

import dev.ember.engine.EngineRequest;
import dev.ember.engine.OutputSink;
import dev.ember.engine.PromptTooLongException;
import dev.ember.engine.RequestHandle;
import dev.ember.metrics.ServingMetrics;
import dev.ember.sample.InvalidSamplingParamsException;
import dev.ember.sample.SamplingParams;
import dev.ember.tokenizer.ChatTemplate;
import dev.ember.tokenizer.ChatTemplateException;
import dev.ember.tokenizer.Tokenizer;
import dev.ember.worker.DeviceWorker;
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
 * One function on this replica: its manifest, its lifecycle state and, while WARM, a {@link DeviceWorker}
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

  private final Vertx vertx;
  private final FunctionManifest manifest;
  private final ServingMetrics metrics;
  private final long created = Instant.now().getEpochSecond();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile FunctionState state = FunctionState.COLD;
  private volatile String reason;
  private volatile DeviceWorker worker;
  private volatile String deploymentId;
  private final HeldRequests held;
  private final LongSupplier clock;
  private Future<Void> warming;
  private Future<Void> draining;
  private int failures;
  private long failedAtNanos;
  private volatile long lastActivityNanos;
  private volatile long keepWarmUntilNanos;
  private long idleTimer = -1;
  private final PrewarmScheduler schedule;
  private final WorkerExecutor tokenizing;

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
    this.vertx = vertx;
    this.manifest = manifest;
    this.metrics = metrics;
    this.clock = nanoClock;
    this.held = new HeldRequests(vertx, manifest.name(), manifest.scaling().maxHeldRequests(),
        manifest.scaling().maxHoldTime());
    this.lastActivityNanos = nanoClock.getAsLong();
    this.tokenizing = tokenizerPool(vertx);
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

  /** The prewarm schedule, or null when the manifest has none (tests drive it with their clock). */
  PrewarmScheduler schedule() {
    return schedule;
  }

  /**
   * Takes the function out of service for good (it is being deleted or the server stops): no more
   * scheduled prewarms, then {@link #drain}.
   */
  public Future<Void> retire(Duration deadline) {
    if (schedule != null) {
      schedule.close();
    }
    return drain(deadline);
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

  /** Why the function is FAILED, or null. */
  public String reason() {
    return reason;
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
    DeviceWorker w = worker;
    return new FunctionInfo(manifest.name(), manifest.model().path(), manifest.device(), state, reason,
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
    long t0 = System.nanoTime();
    DeviceWorker w = new DeviceWorker(manifest);
    warming = DeviceWorker.deploy(vertx, w).<Void>map(id -> {
      synchronized (this) {
        worker = w;
        deploymentId = id;
        state = FunctionState.WARM;
        failures = 0;
        lastActivityNanos = clock.getAsLong();
        startIdleTimer();
      }
      java.util.Map<String, Long> phases = new java.util.LinkedHashMap<>(w.loadPhases());
      phases.put("total", System.nanoTime() - t0);
      metrics.coldStart(manifest.name(), phases);
      LOG.info(() -> "function=" + manifest.name() + " state=WARM load_ms=" + (System.nanoTime() - t0) / 1_000_000);
      held.release();
      return null;
    }).recover(e -> {
      FunctionException failure;
      synchronized (this) {
        state = FunctionState.FAILED;
        reason = e.getMessage() != null ? e.getMessage() : e.toString();
        failures++;
        failedAtNanos = clock.getAsLong();
        failure = FunctionException.unavailable(manifest.name(), "failed to load: " + reason,
            (int) Math.max(1, backoffNanos() / 1_000_000_000L));
      }
      LOG.log(Level.WARNING, "function=" + manifest.name() + " state=FAILED reason=" + reason);
      held.failAll(failure);
      return Future.failedFuture(failure);
    });
    return warming;
  }

  /** Warms (if needed) and keeps the function WARM for the manifest's {@code prewarm.keepWarmFor}. */
  public Future<Void> prewarm() {
    keepWarmUntilNanos = clock.getAsLong() + manifest.prewarm().keepWarmFor().toNanos();
    return warm();
  }

  /** Retry delay after the latest failed warm-up: 1 s, doubling per consecutive failure, at most 60 s. */
  private long backoffNanos() {
    return Math.min(60_000_000_000L, 1_000_000_000L << Math.min(6, Math.max(0, failures - 1)));
  }

  /** While WARM and allowed to scale to zero, checks for idleness a few times per idle timeout. */
  private void startIdleTimer() {
    if (manifest.scaling().minWarm() > 0) {
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
    if (idle) {
      LOG.info(() -> "function=" + manifest.name() + " idle_ms=" + (now - lastActivityNanos) / 1_000_000
          + " scaling to zero");
      drain(Duration.ofSeconds(30));
    }
  }

  /**
   * Stops admitting requests (DRAINING), lets in-flight ones finish until the deadline, aborts the
   * rest with an error, and frees everything (COLD).
   */
  public synchronized Future<Void> drain(Duration deadline) {
    if (state == FunctionState.DRAINING) {
      return draining;
    }
    DeviceWorker w = worker;
    if (w == null || state != FunctionState.WARM) {
      if (state == FunctionState.FAILED) {
        state = FunctionState.COLD;
      }
      return Future.succeededFuture();
    }
    state = FunctionState.DRAINING;
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
    if (s == FunctionState.FAILED) {
      long wait = failedAtNanos + backoffNanos() - clock.getAsLong();
      if (wait > 0) {
        return Future.failedFuture(FunctionException.unavailable(manifest.name(), "failed to load: " + reason,
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
    DeviceWorker w = worker;
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
    Context caller = vertx.getOrCreateContext();
    OrderedDelivery delivery = new OrderedDelivery(caller, tracking(request, sink));
    Future<Submission> f = tokenizing.executeBlocking(() -> {
      int[] ids = encode(w.tokenizer(), request.prompt());
      SamplingParams params = request.params();
      if (params.maxTokens() == null) {
        params = params.toBuilder().maxTokens(Math.min(manifest.limits().maxTokens(),
            Math.max(1, w.maxModelLen() - ids.length))).build();
      }
      RequestHandle h = w.engine().submit(new EngineRequest(request.requestId(), ids, params, request.cacheSalt(),
          request.priority(), delivery));
      w.kick();
      return new Submission(ids.length, h);
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
          metrics.interTokenLatency(manifest.name(), now - last[out.index()]);
        }
        last[out.index()] = now;
      }
      if (out.requestFinished()) {
        lastActivityNanos = clock.getAsLong();
        inFlight.decrementAndGet();
        metrics.requestFinished(manifest.name(), out.usage(), out.timings(), out.finishReason());
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

  @Override
  public Future<int[]> tokenize(Prompt prompt) {
    DeviceWorker w = worker;
    if (state != FunctionState.WARM || w == null) {
      return Future.failedFuture(unavailable());
    }
    return tokenizing.executeBlocking(() -> encode(w.tokenizer(), prompt), false)
        .recover(e -> Future.failedFuture(toFunctionException(e, prompt)));
  }

  @Override
  public Future<String> detokenize(int[] ids) {
    DeviceWorker w = worker;
    if (state != FunctionState.WARM || w == null) {
      return Future.failedFuture(unavailable());
    }
    int vocab = w.tokenizer().vocabSize();
    for (int id : ids) {
      if (id < 0 || id >= vocab) {
        return Future.failedFuture(FunctionException.invalid("tokens", "token id " + id + " is outside [0, " + vocab + ")"));
      }
    }
    return tokenizing.executeBlocking(() -> w.tokenizer().decode(ids, false), false);
  }

  /** Decodes one token's text (for logprobs), off the event loop. */
  public Future<String[]> tokenTexts(int[] ids) {
    DeviceWorker w = worker;
    if (w == null) {
      return Future.failedFuture(unavailable());
    }
    return tokenizing.executeBlocking(() -> {
      String[] out = new String[ids.length];
      for (int i = 0; i < ids.length; i++) {
        out[i] = w.tokenizer().decode(new int[] {ids[i]}, false);
      }
      return out;
    }, false);
  }

  private FunctionException unavailable() {
    return switch (state) {
      case FAILED -> FunctionException.unavailable(manifest.name(), "failed to load: " + reason, 5);
      case DRAINING -> FunctionException.unavailable(manifest.name(), "draining", 1);
      default -> FunctionException.unavailable(manifest.name(), "function is " + state, 1);
    };
  }

  /** The error for a failed submit or tokenize; a too-long prompt names the field that held it. */
  private static FunctionException toFunctionException(Throwable e, Prompt prompt) {
    if (e instanceof FunctionException fe) {
      return fe;
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
