package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.coldstart.PrefixSnapshotConnector;
import dev.ember.coldstart.SnapshotMismatchException;
import dev.ember.kernels.EmberNative;
import dev.ember.kv.KvCacheManager;
import dev.ember.kv.KvCacheOptions;
import dev.ember.kv.KvEvent;
import dev.ember.sched.SchedulerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prefix snapshots across engines (a cold start) and pinned prefixes under eviction pressure. */
class PrefixSnapshotTest {
  static final String MODEL_KEY = "tiny-f32/kv-f32";
  static final int[] PREFIX = new SplittableRandom(3).ints(48, 0, 258).toArray();
  static final int[] PROMPT = IntStream.concat(IntStream.of(PREFIX), IntStream.of(9, 8, 7, 6, 5)).toArray();

  @TempDir Path dir;
  long nativeBytesBefore;

  @BeforeEach
  void recordNativeMemory() {
    nativeBytesBefore = EmberNative.ember_allocated_bytes();
  }

  @AfterEach
  void nativeMemoryIsReturned() {
    assertEquals(nativeBytesBefore, EmberNative.ember_allocated_bytes(), "every native allocation freed");
  }

  static EngineFixture fixture(int numBlocks) throws IOException {
    return new EngineFixture(numBlocks, EngineFixture.scheduler(4, 256), true);
  }

  /** Runs a request to completion; returns its id. */
  static String run(EngineFixture f, int[] prompt, int maxTokens) {
    String id = f.submit(prompt, EngineFixture.greedy(maxTokens));
    f.runToCompletion();
    return id;
  }

  Path snapshotOfPrefix() throws IOException {
    Path file = dir.resolve("prefix.kvsnap");
    try (EngineFixture warm = fixture(64)) {
      run(warm, PREFIX, 1);
      run(warm, PREFIX, 1);
      PrefixSnapshot.Summary s = new PrefixSnapshotConnector(file, MODEL_KEY).save(warm.engine, 1L << 30);
      assertEquals(PREFIX.length / 16, s.blocks());
    }
    return file;
  }

  @Test
  void aRestoredSnapshotMakesTheFirstRequestAfterAColdStartHitAndGenerateTheSameTokens() throws IOException {
    int[] expected;
    try (EngineFixture cold = fixture(64)) {
      String id = run(cold, PROMPT, 8);
      assertEquals(0, cold.last(id).usage().cachedTokens());
      expected = cold.tokens(id, 0);
    }
    Path file = snapshotOfPrefix();
    try (EngineFixture restarted = fixture(64)) {
      List<KvEvent> events = new ArrayList<>();
      restarted.engine.setKvEventListener(b -> events.addAll(b.events()));
      PrefixSnapshot.Summary s = new PrefixSnapshotConnector(file, MODEL_KEY).load(restarted.engine);
      assertEquals(PREFIX.length / 16, s.blocks());
      assertEquals(63, restarted.engine.stats().freeBlocks(), "restored blocks are cached free blocks");
      assertEquals(s.blocks(), events.stream().filter(e -> e instanceof KvEvent.BlockStored)
          .mapToInt(e -> ((KvEvent.BlockStored) e).blockHashes().length).sum());

      String id = run(restarted, PROMPT, 8);
      assertEquals(PREFIX.length, restarted.last(id).usage().cachedTokens());
      assertArrayEquals(expected, restarted.tokens(id, 0));
    }
  }

  @Test
  void aSnapshotOfAnotherModelKeyIsRejected() throws IOException {
    Path file = snapshotOfPrefix();
    try (EngineFixture other = fixture(64)) {
      assertThrows(SnapshotMismatchException.class,
          () -> new PrefixSnapshotConnector(file, "other-weights").load(other.engine));
      assertEquals(0, other.engine.stats().prefixCacheHits());
    }
  }

  @Test
  void aSnapshotOfAnotherHashSeedIsRejected() throws IOException {
    Path file = snapshotOfPrefix();
    try (EngineFixture f = fixture(64)) {
      KvCacheManager otherSeed = new KvCacheManager(KvCacheOptions.defaults(64).withHashSeed("not-ember"));
      assertThrows(SnapshotMismatchException.class, () -> PrefixSnapshot.restore(file,
          PrefixSnapshot.Header.of(MODEL_KEY, otherSeed, f.kv), otherSeed, f.kv));
    }
  }

  @Test
  void theByteBudgetBoundsTheSnapshotAndKeepsWholePrefixChains() throws IOException {
    Path file = dir.resolve("small.kvsnap");
    try (EngineFixture warm = fixture(64)) {
      run(warm, PREFIX, 1);
      run(warm, PREFIX, 1);
      PrefixSnapshot.Summary s =
          new PrefixSnapshotConnector(file, MODEL_KEY).save(warm.engine, 2 * warm.kv.blockBytes() + 10);
      assertEquals(2, s.blocks());
      assertTrue(s.bytes() <= 2 * warm.kv.blockBytes() + 10);
    }
    try (EngineFixture restarted = fixture(64)) {
      new PrefixSnapshotConnector(file, MODEL_KEY).load(restarted.engine);
      String id = run(restarted, PROMPT, 1);
      assertEquals(32, restarted.last(id).usage().cachedTokens(), "the first two blocks of the prefix, in order");
    }
  }

  @Test
  void aPinnedPrefixSurvivesHeavyEvictionPressureAndHitsOnTheFirstRequest() throws IOException {
    assertEquals(PREFIX.length, cachedAfterPressure(true));
  }

  @Test
  void withoutPinningTheSamePressureEvictsThePrefix() throws IOException {
    assertEquals(0, cachedAfterPressure(false));
  }

  /** Computes (and maybe pins) the prefix, floods a 24-block pool with other prompts, then asks again. */
  private static int cachedAfterPressure(boolean pin) throws IOException {
    try (EngineFixture f = new EngineFixture(24, new SchedulerOptions(4, 256, 256, SchedulerOptions.Policy.FCFS),
        true)) {
      if (pin) {
        var pinned = f.engine.pinPrefix(PREFIX, null);
        f.runToCompletion();
        assertEquals(PREFIX.length, pinned.join());
        assertEquals(PREFIX.length / 16, f.engine.pinnedBlocks());
      } else {
        run(f, PREFIX, 1);
      }
      SplittableRandom r = new SplittableRandom(11);
      for (int i = 0; i < 12; i++) {
        run(f, r.ints(100, 0, 258).toArray(), 4);
      }
      String id = run(f, PROMPT, 1);
      int cached = f.last(id).usage().cachedTokens();
      f.engine.unpinAll();
      assertEquals(0, f.engine.pinnedBlocks());
      assertEquals(23, f.engine.stats().freeBlocks(), "every block free again after unpinning");
      return cached;
    }
  }

  @Test
  void pinnedPrefixesGoIntoTheSnapshotBeforeHotterUnpinnedOnes() throws IOException {
    int[] other = new SplittableRandom(5).ints(48, 0, 258).toArray();
    Path file = dir.resolve("pinned-first.kvsnap");
    try (EngineFixture warm = fixture(64)) {
      var pinned = warm.engine.pinPrefix(PREFIX, null);
      warm.runToCompletion();
      pinned.join();
      for (int i = 0; i < 5; i++) {
        run(warm, other, 1);
      }
      PrefixSnapshot.Summary s = new PrefixSnapshotConnector(file, MODEL_KEY).save(warm.engine, 3 * warm.kv.blockBytes());
      assertEquals(3, s.pinnedBlocks());
      warm.engine.unpinAll();
    }
    try (EngineFixture restarted = fixture(64)) {
      new PrefixSnapshotConnector(file, MODEL_KEY).load(restarted.engine);
      assertEquals(PREFIX.length, restarted.last(run(restarted, PROMPT, 1)).usage().cachedTokens());
      assertEquals(0, restarted.last(run(restarted, other, 1)).usage().cachedTokens());
    }
    assertTrue(Files.size(file) > 3 * 16 * 4);
  }

  @Test
  void warmUpHooksPinPrefixesAndFillTheCacheFromPrompts() throws IOException {
    int[] other = new SplittableRandom(6).ints(40, 0, 258).toArray();
    try (EngineFixture f = fixture(64)) {
      assertEquals(PREFIX.length, EngineWarmup.pinPrefixes(f.engine, List.of(PREFIX)));
      EngineWarmup.runPrompts(f.engine, List.of(other));
      assertEquals(PREFIX.length / 16, f.engine.pinnedBlocks());
      assertEquals(32, f.last(run(f, IntStream.concat(IntStream.of(other), IntStream.of(1)).toArray(), 1))
          .usage().cachedTokens());
      f.engine.unpinAll();
    }
  }
}
