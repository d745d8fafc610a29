package dev.ember.cli;

import dev.ember.engine.Engine;
import dev.ember.device.CpuTopology;
import dev.ember.device.DeviceContext;
import dev.ember.device.DevicePlan;
import dev.ember.device.DeviceSpec;
import dev.ember.engine.EngineBuildOptions;
import dev.ember.engine.EngineLoop;
import dev.ember.engine.EngineOptions;
import dev.ember.engine.EngineRequest;
import dev.ember.engine.EngineStats;
import dev.ember.engine.LoadedEngine;
import dev.ember.engine.RequestOutput;
import dev.ember.runner.KvCacheMemory;
import dev.ember.sample.SamplingParams;
import dev.ember.sched.SchedulerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench throughput}: the engine under a closed-loop load at several concurrency levels
 * (in process, no HTTP): aggregate generated tok/s (prefill included), the decode rate (concurrency over
 * the median inter-token latency: a typical decode step, not the steps that also carry new prompts'
 * prefill chunks), TTFT and inter-token latency percentiles, KV usage,
 * prefix-cache hit rate and where step time goes; with {@code --shared-prefix}, also the TTFT of a
 * request whose prefix is cached against one whose prefix is not.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
    description = "Engine throughput and latency at several concurrency levels.")
public final class BenchThroughputCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;
  @Mixin KernelIsaOptions isaOptions;

  @Option(names = "--device", defaultValue = "cpu", description = "Device contexts, one engine each, requests to the"
      + " least loaded: cpu, cpu:<cpu list>, numa:<node>, numa:all, or a comma list (cpu:0,cpu:1). Default: ${DEFAULT-VALUE}.")
  String device;

  @Option(names = "--requests", defaultValue = "64", description = "Requests per concurrency level (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--prompt-len", defaultValue = "128", description = "Prompt tokens (default ${DEFAULT-VALUE}).")
  int promptLen;

  @Option(names = "--gen", defaultValue = "64", description = "Generated tokens per request (default ${DEFAULT-VALUE}).")
  int gen;

  @Option(names = "--concurrency", defaultValue = "1,4,16,32", split = ",",
      description = "Concurrency levels (default ${DEFAULT-VALUE}).")
  int[] concurrency;

  @Option(names = "--shared-prefix", defaultValue = "0",
      description = "Leading prompt tokens shared by every request (default ${DEFAULT-VALUE}).")
  int sharedPrefix;

  @Option(names = "--max-batched-tokens", defaultValue = "2048", description = "Step token budget (default ${DEFAULT-VALUE}).")
  int maxBatchedTokens;

  @Option(names = "--long-prefill-token-threshold", defaultValue = "0",
      description = SchedulerOptions.LONG_PREFILL_TOKEN_THRESHOLD_DOC + " Default: ${DEFAULT-VALUE}.")
  int longPrefillTokenThreshold;

  @Option(names = "--kv-cache-memory", defaultValue = "0",
      description = "KV cache bytes (default: enough for the highest concurrency).")
  long kvCacheMemory;

  @Override
  public Integer call() throws Exception {
    isaOptions.apply();
    int maxConc = 1;
    for (int c : concurrency) {
      maxConc = Math.max(maxConc, c);
    }
    int prompt = Math.max(promptLen, sharedPrefix + 1);
    int maxModelLen = prompt + gen + 16;
    int blockSize = KvCacheMemory.DEFAULT_BLOCK_SIZE;
    int blocksPerSeq = (maxModelLen + blockSize - 1) / blockSize;
    SchedulerOptions so = new SchedulerOptions(maxConc, maxBatchedTokens, maxModelLen, SchedulerOptions.Policy.FCFS,
        longPrefillTokenThreshold);
    EngineOptions engineOptions = EngineOptions.defaults(maxModelLen).withScheduler(so);
    EngineBuildOptions build = kvCacheMemory > 0 ? EngineBuildOptions.ofBudget(kvCacheMemory, engineOptions)
        : EngineBuildOptions.ofBlocks(1 + (maxConc + 2) * blocksPerSeq + 2 * blocksPerSeq, engineOptions);
    List<DeviceContext> contexts = DevicePlan.resolve(DeviceSpec.parseList(device), CpuTopology.host());
    List<LoadedEngine> loaded = new ArrayList<>();
    List<EngineLoop> loops = new ArrayList<>();
    try {
      for (DeviceContext context : contexts) {
        loaded.add(modelOptions.loadEngine(maxBatchedTokens, (model, tokenizer) -> build, context));
      }
      for (LoadedEngine e : loaded) {
        e.model().awaitPacked();
      }
      for (int i = 0; i < loaded.size(); i++) {
        loops.add(EngineLoop.start(loaded.get(i).engine(), "ember-engine-" + contexts.get(i).name()));
      }
      LoadedEngine m = loaded.get(0);
      Engine[] engines = loaded.stream().map(LoadedEngine::engine).toArray(Engine[]::new);
      int vocab = m.model().config().vocabSize();
      SplittableRandom rnd = new SplittableRandom(17);
      int tokenRange = Math.min(vocab, m.tokenizer().vocabSize());
      int[] prefix = rnd.ints(sharedPrefix, 0, tokenRange).toArray();
      System.out.printf("model %s, %s kernels, %s; %d requests/level, prompt %d (shared prefix %d), gen %d%n",
          m.files().source(), dev.ember.kernels.EmberNative.ember_isa(), describe(contexts, loaded), requests, prompt,
          sharedPrefix, gen);
      System.out.printf("%-6s %10s %11s %10s %10s %10s %10s %9s %9s %9s%n", "conc", "gen tok/s", "decode tok/s",
          "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "KV max", "prefix", "overhead");
      // warm-up: touches every weight page once, from every context
      for (int i = 0; i < engines.length; i++) {
        new Level(new Engine[] {engines[i]}, 1, 1, prompt, Math.min(gen, 4), prefix, rnd, tokenRange).run();
      }
      for (int c : concurrency) {
        EngineStats before = total(engines);
        Level level = new Level(engines, c, requests, prompt, gen, prefix, rnd, tokenRange);
        level.run();
        EngineStats after = total(engines);
        long q = after.prefixCacheQueries() - before.prefixCacheQueries();
        long h = after.prefixCacheHits() - before.prefixCacheHits();
        long sched = after.scheduleNanos() - before.scheduleNanos();
        long fwd = after.forwardNanos() - before.forwardNanos();
        long smp = after.sampleNanos() - before.sampleNanos();
        System.out.printf("%-6d %10.1f %11.1f %8.1fms %8.1fms %8.2fms %8.2fms %8.1f%% %8.1f%% %8.2f%%%n", c,
            level.generated.get() / (level.wallNanos / 1e9), c * 1000.0 / level.itl.percentileMs(50),
            level.ttft.percentileMs(50), level.ttft.percentileMs(99),
            level.itl.percentileMs(50), level.itl.percentileMs(99), 100 * level.maxKvUsage,
            q == 0 ? 0.0 : 100.0 * h / q, 100.0 * (sched + smp) / Math.max(1, sched + fwd + smp));
        System.out.printf("       step split: schedule+build %.2f%%, forward %.2f%%, sample+emit %.2f%%%n",
            100.0 * sched / Math.max(1, sched + fwd + smp), 100.0 * fwd / Math.max(1, sched + fwd + smp),
            100.0 * smp / Math.max(1, sched + fwd + smp));
      }
      if (sharedPrefix > 0) {
        cachedPrefixTtft(engines[0], prompt, prefix, rnd, tokenRange);
      }
    } finally {
      for (EngineLoop loop : loops) {
        loop.close();
      }
      for (LoadedEngine l : loaded) {
        l.close();
      }
    }
    return 0;
  }

  private static String describe(List<DeviceContext> contexts, List<LoadedEngine> loaded) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < contexts.size(); i++) {
      parts.add(contexts.get(i).name() + " (" + loaded.get(i).model().threads() + " threads)");
    }
    return (contexts.size() == 1 ? "" : contexts.size() + " engines: ") + String.join(", ", parts);
  }

  /** The engines' counters added up (the step-time split and prefix hits of all contexts together). */
  private static EngineStats total(Engine[] engines) {
    long q = 0, h = 0, sched = 0, fwd = 0, smp = 0;
    for (Engine e : engines) {
      EngineStats s = e.stats();
      q += s.prefixCacheQueries();
      h += s.prefixCacheHits();
      sched += s.scheduleNanos();
      fwd += s.forwardNanos();
      smp += s.sampleNanos();
    }
    return new EngineStats(0, 0, 0, 0, q, h, 0, 0, 0, 0, 0, 0, sched, fwd, smp);
  }

  /** TTFT of a request whose shared prefix is cached vs one with a fresh prefix of the same length. */
  private void cachedPrefixTtft(Engine engine, int prompt, int[] prefix, SplittableRandom rnd, int range)
      throws InterruptedException {
    LatencyStats cached = new LatencyStats();
    LatencyStats uncached = new LatencyStats();
    for (int i = 0; i < 3; i++) {
      int[] fresh = rnd.ints(prefix.length, 0, range).toArray();
      uncached.add(new Level(new Engine[] {engine}, 1, 1, prompt, 1, fresh, rnd, range).runOne());
      cached.add(new Level(new Engine[] {engine}, 1, 1, prompt, 1, prefix, rnd, range).runOne());
    }
    System.out.printf("prefix %d tokens: TTFT cached %.1f ms, uncached %.1f ms (cached = %.1f%% of uncached)%n",
        prefix.length, cached.percentileMs(50), uncached.percentileMs(50),
        100 * cached.percentileMs(50) / uncached.percentileMs(50));
  }

  /** One closed-loop level: at most c requests in flight until n have completed, each to the least busy engine. */
  private static final class Level {
    final Engine[] engines;
    final java.util.concurrent.atomic.AtomicIntegerArray inFlight;
    final int c;
    final int n;
    final int prompt;
    final int gen;
    final int[] prefix;
    final SplittableRandom rnd;
    final int range;
    final LatencyStats ttft = new LatencyStats();
    final LatencyStats itl = new LatencyStats();
    final AtomicLong generated = new AtomicLong();
    volatile double maxKvUsage;
    long wallNanos;
    private static final AtomicLong IDS = new AtomicLong();

    Level(Engine[] engines, int c, int n, int prompt, int gen, int[] prefix, SplittableRandom rnd, int range) {
      this.engines = engines;
      this.inFlight = new java.util.concurrent.atomic.AtomicIntegerArray(engines.length);
      this.c = c;
      this.n = n;
      this.prompt = prompt;
      this.gen = gen;
      this.prefix = prefix;
      this.rnd = rnd;
      this.range = range;
    }

    int[] promptIds() {
      int[] p = rnd.ints(prompt, 0, range).toArray();
      System.arraycopy(prefix, 0, p, 0, prefix.length);
      return p;
    }

    void run() throws InterruptedException {
      Semaphore slots = new Semaphore(c);
      CountDownLatch done = new CountDownLatch(n);
      SamplingParams params = SamplingParams.builder().temperature(0).maxTokens(gen).ignoreEos(true).build();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        slots.acquire();
        long submitted = System.nanoTime();
        long[] last = {0};
        int e = leastBusy();
        inFlight.incrementAndGet(e);
        engines[e].submit(new EngineRequest("bench-" + IDS.incrementAndGet(), promptIds(), params, null, 0,
            out -> onOutput(out, e, submitted, last, slots, done)));
      }
      done.await();
      wallNanos = System.nanoTime() - t0;
    }

    /** Runs one request alone and returns its TTFT in ns. */
    long runOne() throws InterruptedException {
      run();
      return (long) (ttft.percentileMs(50) * 1e6);
    }

    private int leastBusy() {
      int best = 0;
      for (int i = 1; i < engines.length; i++) {
        if (inFlight.get(i) < inFlight.get(best)) {
          best = i;
        }
      }
      return best;
    }

    private void onOutput(RequestOutput out, int e, long submitted, long[] last, Semaphore slots,
        CountDownLatch done) {
      long now = System.nanoTime();
      if (out.tokenId() >= 0) {
        generated.incrementAndGet();
        if (last[0] == 0) {
          ttft.add(now - submitted);
        } else {
          itl.add(now - last[0]);
        }
        last[0] = now;
      }
      if (out.requestFinished()) {
        maxKvUsage = Math.max(maxKvUsage, engines[e].stats().kvUsage());
        inFlight.decrementAndGet(e);
        slots.release();
        done.countDown();
      }
    }
  }
}
