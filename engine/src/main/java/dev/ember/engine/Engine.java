package dev.ember.engine;

import dev.ember.kv.KvCacheManager;
import dev.ember.kv.KvCacheOptions;
import dev.ember.kv.KvEventListener;
import dev.ember.kv.KvSequence;
import dev.ember.kv.SequenceFork;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.StepBuffers;
import dev.ember.sample.FinishReason;
import dev.ember.sample.SampleResult;
import dev.ember.sample.Sampler;
import dev.ember.sample.SamplingParams;
import dev.ember.sample.SequenceSamplingState;
import dev.ember.sample.StopChecker;
import dev.ember.sched.ScheduledBatch;
import dev.ember.sched.Scheduler;
import dev.ember.sched.SchedulerOptions;
import dev.ember.tokenizer.Detokenizer;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The serving engine of one model: requests are submitted from any thread; {@link #step()} runs one
 * continuous-batching step (schedule, one native forward, sample, emit) on the thread that owns the
 * model (the runtime's device worker), and outputs go to each request's {@link OutputSink}.
 *
 * <pre>{@code
 * Engine engine = new Engine(runner, tokenizer, eosIds, EngineOptions.defaults(4096));
 * engine.submit(new EngineRequest("r1", ids, SamplingParams.DEFAULTS, null, 0, out -> queue.add(out)));
 * while (engine.hasWork()) engine.step();
 * }</pre>
 */
public final class Engine implements AutoCloseable {
  private final ModelRunner runner;
  private final Tokenizer tokenizer;
  private final KvCacheManager kv;
  private final Scheduler scheduler;
  private final Sampler sampler;
  private final SampleResult sample = new SampleResult();
  private final int[] eos;
  private final int vocab;
  private final int maxModelLen;
  private final float[] row;
  private final StepBuilder builder;
  private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final Map<String, RequestState> requests = new HashMap<>();
  private final AtomicLong warmups = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private long arrivals;
  private volatile boolean closed;
  private final EngineCounters counters = new EngineCounters();

  private record Submit(RequestState state, SequenceSamplingState[] sampling, StopChecker[] stops,
      Detokenizer[] detokenizers) {}

  private record Cancel(String requestId, String error) {}

  /**
   * @param eosTokenIds the model's end-of-sequence ids (generation config and tokenizer)
   */
  public Engine(ModelRunner runner, Tokenizer tokenizer, int[] eosTokenIds, EngineOptions options) {
    SchedulerOptions so = options.scheduler();
    StepBuffers b = runner.buffers();
    int bs = runner.kv().blockSize();
    if (so.maxNumSeqs() > b.maxSeqs() || so.maxNumBatchedTokens() > b.maxTokens()
        || (long) b.maxBlocksPerSeq() * bs < so.maxModelLen()) {
      throw new IllegalArgumentException("runner capacity (" + b.maxSeqs() + " seqs, " + b.maxTokens() + " tokens, "
          + b.maxBlocksPerSeq() * bs + " positions) is below the scheduler limits " + so);
    }
    if ((long) (runner.kv().numBlocks() - 1) * bs < so.maxModelLen()) {
      throw new IllegalArgumentException("KV cache of " + runner.kv().numBlocks() + " blocks cannot hold one sequence of "
          + so.maxModelLen() + " tokens; raise kvCacheMemory or lower maxModelLen");
    }
    this.runner = runner;
    this.tokenizer = tokenizer;
    this.kv = new KvCacheManager(new KvCacheOptions(runner.kv().numBlocks(), bs, options.hashSeed(),
        options.enablePrefixCaching()));
    this.scheduler = new Scheduler(so, kv);
    this.builder = new StepBuilder(runner.buffers(), kv);
    this.vocab = runner.model().config().vocabSize();
    this.sampler = new Sampler(vocab);
    this.row = new float[vocab];
    this.eos = eosTokenIds.clone();
    this.maxModelLen = so.maxModelLen();
  }

  /**
   * Queues a request. Validates it on the calling thread: an empty prompt, token ids outside the
   * vocabulary, sampling parameters the vocabulary cannot satisfy, or a prompt that does not fit the
   * context ({@link PromptTooLongException}) throw {@link IllegalArgumentException}. After {@link #close()}
   * it throws {@link EngineClosedException} (nothing is queued); a request that races with close either
   * gets that exception or is aborted by close with an error output, never left unanswered.
   */
  public RequestHandle submit(EngineRequest r) {
    if (closed) {
      throw new EngineClosedException("the engine is closed");
    }
    int[] prompt = r.promptView();
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    for (int id : prompt) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("prompt token id " + id + " is outside the vocabulary [0, " + vocab + ")");
      }
    }
    SamplingParams p = r.params();
    Integer maxTokens = p.maxTokens();
    if (prompt.length >= maxModelLen || (maxTokens != null && prompt.length + maxTokens > maxModelLen)) {
      throw new PromptTooLongException(prompt.length, maxTokens, maxModelLen);
    }
    int n = p.n();
    SequenceSamplingState[] sampling = new SequenceSamplingState[n];
    StopChecker[] stops = new StopChecker[n];
    Detokenizer[] detok = new Detokenizer[n];
    for (int i = 0; i < n; i++) {
      sampling[i] = new SequenceSamplingState(p, prompt, eos, vocab, i);
      stops[i] = new StopChecker(p, eos, maxModelLen - prompt.length);
      detok[i] = tokenizer.newDetokenizer(p.skipSpecialTokens());
    }
    Submit submit = new Submit(new RequestState(r, System.nanoTime()), sampling, stops, detok);
    inbox.add(submit);
    // close() sets closed before draining the inbox: if it is set now and the submission is still
    // there, take it back; otherwise close took it and answers it with an abort.
    if (closed && inbox.remove(submit)) {
      throw new EngineClosedException("the engine is closed");
    }
    signal();
    return new RequestHandle(this, r.requestId());
  }

  /** Aborts a request at the next step boundary (finish reason {@code abort}). */
  public void cancel(String requestId) {
    inbox.add(new Cancel(requestId, null));
    signal();
  }

  /** Aborts a request with an error message (e.g. its client went away or the server is stopping). */
  public void fail(String requestId, String error) {
    inbox.add(new Cancel(requestId, error));
    signal();
  }

  /** Receives the prefix cache's stored/removed/cleared block events, once per step (replaces any listener). */
  public void setKvEventListener(KvEventListener listener) {
    kv.setEventListener(listener);
  }

  /** Adds a receiver of the prefix cache's block events beside the ones already listening. */
  public void addKvEventListener(KvEventListener listener) {
    kv.addEventListener(listener);
  }

  /**
   * Computes a prefix's KV blocks (a one-token request of the prefix) and pins its whole blocks: they
   * are never evicted until {@link #unpinAll}. Any thread; completes on the step thread, with the
   * number of tokens pinned, once steps have run the request.
   */
  public CompletableFuture<Integer> pinPrefix(int[] tokens, String cacheSalt) {
    return oneToken(tokens, cacheSalt, true);
  }

  /**
   * Runs a prompt as a one-token warm-up request (its blocks enter the prefix cache). Any thread;
   * completes on the step thread with the prompt tokens that were already cached.
   */
  public CompletableFuture<Integer> warmUp(int[] tokens) {
    return oneToken(tokens, null, false);
  }

  private CompletableFuture<Integer> oneToken(int[] tokens, String cacheSalt, boolean pin) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(1).ignoreEos(true).build();
    submit(new EngineRequest("ember-warmup-" + warmups.incrementAndGet(), tokens, params, cacheSalt, 0, out -> {
      if (!out.requestFinished()) {
        return;
      }
      if (out.error() != null) {
        done.completeExceptionally(new IllegalStateException("warm-up request failed: " + out.error()));
      } else if (pin) {
        done.complete(kv.pin(tokens, cacheSalt) * kv.blockSize());
        publishCounts();
      } else {
        done.complete(out.usage().cachedTokens());
      }
    }));
    return done;
  }

  /** Releases every pinned prefix (its blocks stay cached). Call on the step thread between steps. */
  public void unpinAll() {
    kv.unpinAll();
    publishCounts();
  }

  /** Distinct KV blocks pinned now. Call on the step thread between steps. */
  public int pinnedBlocks() {
    return kv.numPinnedBlocks();
  }

  /**
   * What a KV connector does with the engine's blocks: reads or writes them through the block manager
   * and the native KV memory. Runs on the step thread between steps.
   */
  @FunctionalInterface
  public interface KvBlockAccess<T> {
    T apply(KvCacheManager kv, KvCacheMemory memory) throws IOException;
  }

  /**
   * Lets {@code export} read the cached blocks (e.g. write the hottest prefixes to a snapshot); it must not
   * change them. Call on the step thread between steps, e.g. on unload.
   */
  public <T> T exportKvBlocks(KvBlockAccess<T> export) throws IOException {
    return export.apply(kv, runner.kv());
  }

  /**
   * Lets {@code load} add cached free blocks (e.g. restored from a snapshot), then emits their KV events
   * (BlockStored) and publishes the new block counts. Call on the step thread between steps, e.g. on
   * warm-up before the first request.
   */
  public <T> T importKvBlocks(KvBlockAccess<T> load) throws IOException {
    T result = load.apply(kv, runner.kv());
    kv.flushEvents();
    publishCounts();
    return result;
  }

  /** True while requests are queued, waiting or running. */
  public boolean hasWork() {
    return !inbox.isEmpty() || counters.active() > 0;
  }

  /** Blocks the step thread until work arrives or the timeout passes. */
  public void awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
    lock.lock();
    try {
      if (!hasWork()) {
        work.await(timeout, unit);
      }
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      work.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Runs one step; returns whether work remains. Call only from the thread that owns the model. */
  public boolean step() {
    long t0 = System.nanoTime();
    drainInbox(t0);
    ScheduledBatch b = scheduler.schedule();
    if (b.isEmpty()) {
      failUnschedulable();
      kv.flushEvents();
      publishCounts();
      return hasWork();
    }
    markFirstScheduled(b, t0);
    int logits = builder.build(b);
    long t1 = System.nanoTime();
    try {
      runner.forward(b.totalTokens(), b.size(), logits);
    } catch (RuntimeException e) {
      failBatch(b, e);
      return hasWork();
    }
    long t2 = System.nanoTime();
    scheduler.commit(b);
    counters.promptTokens += countPromptTokens(b);
    for (int i = 0; i < b.size(); i++) {
      if (builder.logitsRow(i) >= 0) {
        EngineSequence s = (EngineSequence) b.sequence(i);
        if (s.forkPending) {
          s.forkPending = false;
          forkSiblings(s, builder.logitsRow(i), t2);
        }
        sampleAndEmit(s, builder.logitsRow(i), t2);
      }
    }
    kv.flushEvents();
    long t3 = System.nanoTime();
    counters.step(t1 - t0, t2 - t1, t3 - t2);
    publishCounts();
    return hasWork();
  }

  private void drainInbox(long now) {
    for (Object o; (o = inbox.poll()) != null; ) {
      if (o instanceof Submit s) {
        admit(s);
      } else if (o instanceof Cancel c) {
        abort(c.requestId(), c.error());
      }
    }
  }

  private void admit(Submit s) {
    RequestState state = s.state();
    EngineRequest r = state.request;
    if (requests.putIfAbsent(r.requestId(), state) != null) {
      r.sink().accept(new RequestOutput(r.requestId(), 0, -1, "", null, FinishReason.ABORT, null,
          new Usage(r.promptLength(), 0, 0), new RequestTimings(0, 0, 0, 0), "duplicate request id " + r.requestId()));
      return;
    }
    counters.submitted++;
    state.pendingSampling = s.sampling();
    state.pendingStops = s.stops();
    state.pendingDetokenizers = s.detokenizers();
    KvSequence firstKv = new KvSequence(r.promptView(), r.cacheSalt());
    if (r.promptHashes() != null) {
      kv.adoptHashes(firstKv, r.promptHashes());
    }
    EngineSequence first = newSequence(state, 0, firstKv);
    first.forkPending = r.params().n() > 1;
    scheduler.add(first);
  }

  private EngineSequence newSequence(RequestState state, int index, KvSequence kvSeq) {
    EngineSequence s = new EngineSequence(state, index, kvSeq, state.pendingSampling[index],
        state.pendingStops[index], state.pendingDetokenizers[index], arrivals++);
    state.sequences.add(s);
    return s;
  }

  /** Records when each request was first scheduled, and its prefix-cache hit then (usage.cached_tokens). */
  private static void markFirstScheduled(ScheduledBatch b, long now) {
    for (int i = 0; i < b.size(); i++) {
      EngineSequence s = (EngineSequence) b.sequence(i);
      if (s.request.firstScheduledNanos == 0) {
        s.request.firstScheduledNanos = now;
        s.request.cachedTokens = s.kv().numComputedTokens();
      }
    }
  }

  private static long countPromptTokens(ScheduledBatch b) {
    long n = 0;
    for (int i = 0; i < b.size(); i++) {
      if (b.sequence(i).outputLength() == 0) {
        n += b.numNewTokens(i);
      }
    }
    return n;
  }

  private void forkSiblings(EngineSequence parent, int logitsIndex, long now) {
    RequestState state = parent.request;
    int n = state.request.params().n();
    for (int k = 1; k < n; k++) {
      SequenceFork f = kv.fork(parent.kv());
      if (f == null) {
        // No block for the copy: the sibling recomputes its prompt (mostly prefix-cache hits).
        scheduler.add(newSequence(state, k, new KvSequence(state.request.promptView(), state.request.cacheSalt())));
        continue;
      }
      if (f.needsCopy()) {
        runner.kv().copyBlocks(new int[] {f.copySrc()}, new int[] {f.copyDst()});
      }
      EngineSequence child = newSequence(state, k, f.child());
      scheduler.addRunning(child);
      sampleAndEmit(child, logitsIndex, now);
    }
  }

  private void sampleAndEmit(EngineSequence s, int logitsIndex, long now) {
    runner.buffers().logits.get(logitsIndex * vocab, row, 0, vocab);
    sampler.sample(s.sampling, row, 0, sample);
    int token = sample.token();
    s.kv().appendToken(token);
    RequestState state = s.request;
    state.completionTokens++;
    counters.generationTokens++;
    if (state.firstTokenNanos == 0) {
      state.firstTokenNanos = now;
    }
    String text = s.stop.accept(token, s.detokenizer.push(token));
    TokenLogprobs lp = null;
    if (sample.hasLogprobs()) {
      int top = sample.topCount();
      int[] ids = new int[top];
      float[] lps = new float[top];
      for (int i = 0; i < top; i++) {
        ids[i] = sample.topId(i);
        lps[i] = sample.topLogprob(i);
      }
      lp = new TokenLogprobs(token, sample.logprob(), ids, lps);
    }
    if (!s.stop.finished()) {
      state.request.sink().accept(new RequestOutput(state.request.requestId(), s.index, token, text, lp, null, null,
          null, null, null));
      return;
    }
    if (s.stop.finishReason() == FinishReason.LENGTH) {
      text += s.detokenizer.flush();
    }
    scheduler.finish(s);
    finishSequence(s, token, text, lp, s.stop.finishReason(), s.stop.stopReason(), null, now);
  }

  private void finishSequence(EngineSequence s, int token, String text, TokenLogprobs lp, FinishReason reason,
      Object stopReason, String error, long now) {
    RequestState state = s.request;
    state.unfinished--;
    state.preemptions += s.preemptions();
    Usage usage = null;
    RequestTimings timings = null;
    if (state.unfinished == 0) {
      requests.remove(state.request.requestId());
      counters.finished++;
      usage = new Usage(state.request.promptLength(), state.completionTokens, Math.max(0, state.cachedTokens));
      long sub = state.submittedNanos;
      timings = new RequestTimings(state.firstScheduledNanos == 0 ? now - sub : state.firstScheduledNanos - sub,
          state.firstTokenNanos == 0 ? 0 : state.firstTokenNanos - sub, now - sub, state.preemptions);
    }
    state.request.sink().accept(new RequestOutput(state.request.requestId(), s.index, token, text, lp, reason,
        stopReason, usage, timings, error));
  }

  private void abort(String requestId, String error) {
    RequestState state = requests.get(requestId);
    if (state == null) {
      return;
    }
    long now = System.nanoTime();
    List<EngineSequence> live = new ArrayList<>();
    for (EngineSequence s : state.sequences) {
      if (!s.stop.finished()) {
        live.add(s);
      }
    }
    int notStarted = state.unfinished - live.size();
    for (int k = 0; k < notStarted; k++) {
      // Siblings of an n > 1 request that were never forked: account for them first.
      state.unfinished--;
      int index = state.sequences.size() + k;
      state.request.sink().accept(new RequestOutput(requestId, index, -1, "", null, FinishReason.ABORT, null, null,
          null, error));
    }
    for (EngineSequence s : live) {
      String held = s.stop.abort();
      scheduler.finish(s);
      finishSequence(s, -1, held, null, FinishReason.ABORT, null, error, now);
    }
  }

  /** Fails the request the scheduler found can never get its KV blocks (see {@link Scheduler#unschedulable()}). */
  private void failUnschedulable() {
    if (!(scheduler.unschedulable() instanceof EngineSequence s)) {
      return;
    }
    int usable = runner.kv().numBlocks() - 1;
    int pinned = kv.numPinnedBlocks();
    int needed = (s.kv().numTokens() + kv.blockSize() - 1) / kv.blockSize();
    abort(s.request.request.requestId(), "the request needs " + needed + " KV blocks of " + kv.blockSize()
        + " tokens, but only " + (usable - pinned) + " of the cache's " + usable + " blocks can ever be free ("
        + pinned + " hold pinned prefixes); it can never be scheduled");
  }

  /**
   * Throws {@link IllegalStateException} when the pinned prefixes leave less than one {@code maxModelLen}
   * sequence's worth of KV blocks, so some requests could never be scheduled. Call on the step thread
   * after pinning (warm-up).
   */
  public void checkPinBudget() {
    int usable = runner.kv().numBlocks() - 1;
    int pinned = kv.numPinnedBlocks();
    int perSequence = (maxModelLen + kv.blockSize() - 1) / kv.blockSize();
    if (usable - pinned < perSequence) {
      throw new IllegalStateException("pinned prefixes hold " + pinned + " of the KV cache's " + usable
          + " blocks, leaving " + (usable - pinned) + " blocks (" + (usable - pinned) * kv.blockSize()
          + " tokens) where one maxModelLen " + maxModelLen + " sequence needs " + perSequence
          + "; pin fewer or shorter prefixes, raise kvCacheMemory or lower maxModelLen");
    }
  }

  private void failBatch(ScheduledBatch b, RuntimeException e) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < b.size(); i++) {
      String id = ((EngineSequence) b.sequence(i)).request.request.requestId();
      if (!ids.contains(id)) {
        ids.add(id);
      }
    }
    for (String id : ids) {
      abort(id, "engine step failed: " + e.getMessage());
    }
    publishCounts();
  }

  private void publishCounts() {
    counters.publish(scheduler, kv);
  }

  public EngineStats stats() {
    return counters.snapshot();
  }

  /** The model's context limit in tokens. */
  public int maxModelLen() {
    return maxModelLen;
  }

  /** The limits each step is scheduled under. */
  public SchedulerOptions schedulerOptions() {
    return scheduler.options();
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * Refuses later submissions ({@link EngineClosedException}) and aborts every request still known or
   * queued, with an error; call on the step thread before closing the runner.
   */
  @Override
  public void close() {
    closed = true;
    drainInbox(System.nanoTime());
    for (String id : new ArrayList<>(requests.keySet())) {
      abort(id, "engine shut down");
    }
    kv.flushEvents();
    publishCounts();
  }
}
