package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.function.FunctionLoadOptions;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionPool;
import dev.ember.function.FunctionRegistry;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.function.ServingMetrics;
import dev.ember.kv.BlockHasher;
import dev.ember.kv.PromptHashes;
import dev.ember.sample.SamplingParams;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The router's load figure: work admitted and not yet computed, counted from admission, cached blocks free. */
class QueuedWorkTest {
  private static final String MEMBER = "member-a";
  private static final String FUNCTION = "queued";
  Vertx vertx;
  FunctionRegistry registry;
  PrefixIndex index;

  @TempDir
  Path snapshots;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new FunctionRegistry(vertx, ServingMetrics.NOOP,
        FunctionLoadOptions.defaults().withColdStart(ColdStartOptions.defaults().withSnapshotDirectory(snapshots)));
    index = new PrefixIndex();
    registry.observeEngines(new LocalEngines(vertx.eventBus(), MEMBER, index));
  }

  @AfterEach
  void stop() throws Exception {
    registry.shutdown(Duration.ofSeconds(10)).await(60, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static Stream<Arguments> generationBudgets() {
    return Stream.of(
        Arguments.of("8 tokens fit one 16-token block", 1, 8, 1),
        Arguments.of("17 tokens take two", 1, 17, 2),
        Arguments.of("n sequences generate n times the tokens", 3, 16, 3),
        Arguments.of("no limit: one block per sequence", 2, null, 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("generationBudgets")
  void generationCountsTheRequestsTokenBudgetInBlocks(String why, int n, Integer maxTokens, int blocks) {
    SamplingParams p = SamplingParams.builder().n(n).maxTokens(maxTokens).build();
    assertEquals(blocks, QueuedWork.generationBlocks(new InferenceRequest("r", FUNCTION, new Prompt.Tokens(new int[] {1}),
        p, null, 0), 16));
  }

  @Test
  void aRequestCountsItsPrefillUntilItsFirstOutputAndItsGenerationUntilItsLast() {
    QueuedWork work = new QueuedWork(index, MEMBER);
    QueuedWork.Ticket t = work.admit(FUNCTION, 20, 2);
    work.admit("other", 5, 1);
    assertEquals(22, work.blocks(FUNCTION));
    t.prefilled();
    t.prefilled();
    assertEquals(2, work.blocks(FUNCTION));
    t.addPrefill(9);
    assertEquals(2, work.blocks(FUNCTION), "a prompt length learnt after the prefill ended adds nothing");
    t.release();
    t.release();
    assertEquals(0, work.blocks(FUNCTION));
    assertEquals(6, work.blocks("other"));
  }

  @Test
  void recentRequestsCountEachAdmissionAndHalveEveryHalfLife() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(5_000_000_000L);
    QueuedWork work = new QueuedWork(index, MEMBER, now::get);
    assertEquals(0, work.recentRequests(FUNCTION));
    for (int i = 0; i < 40; i++) {
      work.admit(FUNCTION, 1, 1).release();
    }
    work.admit("other", 1, 1);
    assertEquals(40, work.recentRequests(FUNCTION), "released requests still count: it is traffic, not load");
    now.addAndGet(QueuedWork.RECENT_HALF_LIFE_SECONDS * 1_000_000_000L);
    assertEquals(20, work.recentRequests(FUNCTION));
    work.admit(FUNCTION, 1, 1);
    assertEquals(21, work.recentRequests(FUNCTION));
    now.addAndGet(2L * QueuedWork.RECENT_HALF_LIFE_SECONDS * 1_000_000_000L);
    assertEquals(5, work.recentRequests(FUNCTION), "21 / 4 = 5.25");
    assertEquals(0, work.recentRequests("other"), "1 / 8 rounds to 0");
  }

  /**
   * Through a real engine: a prompt whose first four blocks this replica caches counts only its two
   * new blocks and its one block of output while it waits, its output block until it ends, then nothing.
   */
  @Test
  void blocksTheEngineCachesAreNotCountedAsWork() throws Exception {
    FunctionManifest m = DemoPrompts.demoNamed(FUNCTION);
    registry.deploy(m).await(120, TimeUnit.SECONDS);
    FunctionPool pool = registry.instance(FUNCTION).orElseThrow();
    int blockSize = m.engine().blockSize();
    int[] prompt = DemoPrompts.prompt(6 * blockSize + 3, 5, 7);
    QueuedWork work = new QueuedWork(index, MEMBER);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    work.onChange(f -> seen.add(work.blocks(f)));
    run(work, pool, m, java.util.Arrays.copyOf(prompt, 4 * blockSize + 1));
    assertEquals(0, work.blocks(FUNCTION));
    long[] keys = new BlockHasher(m.engine().hashSeed()).blockKeys(prompt, prompt.length, blockSize, null);
    EngineId engine = new EngineId(MEMBER, FUNCTION);
    // The engine's KV events reach the index at the end of its step, maybe after the request's last output.
    for (int i = 0; i < 500 && index.overlap(engine, keys) < 4; i++) {
      Thread.sleep(10);
    }
    assertEquals(4, index.overlap(engine, keys), "the first request's four full blocks are cached here");

    seen.clear();
    List<Integer> atFirstOutput = run(work, pool, m, prompt);
    assertEquals(2 + 1, seen.get(0), "admitted: two uncached prompt blocks and one block of output");
    assertEquals(1, atFirstOutput.get(0), "first output: the prefill is done, the output block remains");
    assertEquals(0, work.blocks(FUNCTION), "ended: nothing");
  }

  /** Runs one request through {@code work}; returns the figure at its first output. */
  private List<Integer> run(QueuedWork work, FunctionPool pool, FunctionManifest m, int[] prompt)
      throws Exception {
    PromptHashes hashes = PromptHashes.of(new BlockHasher(m.engine().hashSeed()), m.engine().hashSeed(), prompt,
        m.engine().blockSize(), null);
    InferenceRequest r = new InferenceRequest("r-" + prompt.length, FUNCTION, new Prompt.Tokens(prompt),
        SamplingParams.builder().temperature(0).maxTokens(2).ignoreEos(true).build(), null, 0, hashes);
    Promise<Void> done = Promise.promise();
    List<Integer> atFirst = new CopyOnWriteArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> work.submit(pool, r, out -> {
      if (atFirst.isEmpty()) {
        atFirst.add(work.blocks(FUNCTION));
      }
      if (out.requestFinished()) {
        done.tryComplete();
      }
    }).onFailure(done::tryFail));
    done.future().await(120, TimeUnit.SECONDS);
    return atFirst;
  }
}
