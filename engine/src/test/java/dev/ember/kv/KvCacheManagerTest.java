package dev.ember.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Prefix reuse, salts, LRU eviction, allocation failure, forking and slots, with block size 4. */
class KvCacheManagerTest {

  private static final int BS = 4;
  private final List<KvSequence> live = new ArrayList<>();
  private KvCacheManager kv = manager(9);

  @AfterEach
  void everyBlockIsFreeAgain() {
    live.forEach(kv::free);
    KvInvariants.assertAllFree(kv);
  }

  @Test
  void samePromptAgainReusesEveryFullBlockButComputesTheRest() {
    KvSequence a = prefilled(range(1, 10), null);
    int[] aTable = Arrays.copyOf(a.blockTable(), 2);
    kv.free(a);

    KvSequence b = seq(range(1, 10), null);
    assertEquals(8, kv.lookupPrefix(b));
    assertTrue(kv.allocate(b, 2));
    assertArrayEquals(aTable, Arrays.copyOf(b.blockTable(), 2));
    assertEquals(3, b.numBlocks());
    KvInvariants.check(kv, live);
  }

  @Test
  void fullyCachedPromptRecomputesItsLastBlock() {
    kv.free(prefilled(range(1, 8), null));
    KvSequence b = seq(range(1, 8), null);
    assertEquals(4, kv.lookupPrefix(b));
  }

  @Test
  void differentCacheSaltsShareNothing() {
    kv.free(prefilled(range(1, 9), "tenant-a"));
    assertEquals(0, kv.lookupPrefix(seq(range(1, 9), "tenant-b")));
    assertEquals(0, kv.lookupPrefix(seq(range(1, 9), null)));
    assertEquals(8, kv.lookupPrefix(seq(range(1, 9), "tenant-a")));
  }

  @Test
  void evictionTakesTheLeastRecentlyFreedFirstAndARequestsTailFirst() {
    kv = manager(7); // 6 usable: queue 1..6
    KvSequence a = prefilled(range(1, 9), null); // blocks 1,2,3 -> queue 4,5,6
    kv.free(a); // queue 4,5,6,3,2,1
    KvSequence b = prefilled(range(101, 109), null); // 4,5,6
    kv.free(b); // queue 3,2,1,6,5,4

    KvSequence c = prefilled(new int[] {7}, null);
    assertEquals(3, c.blockTable()[0], "a's partial tail block goes first");
    KvSequence d = prefilled(new int[] {8}, null);
    assertEquals(2, d.blockTable()[0], "then a's second block, evicting it");
    assertEquals(4, kv.lookupPrefix(seq(range(1, 9), null)), "a's first block survives");
    assertEquals(8, kv.lookupPrefix(seq(range(101, 109), null)), "b, freed later, is untouched");
  }

  @Test
  void allocateTakesNothingWhenThePoolIsShort() {
    kv = manager(4); // 3 usable
    KvSequence a = seq(range(1, 13), null);
    kv.lookupPrefix(a);
    assertFalse(kv.allocate(a, 13));
    assertEquals(0, a.numBlocks());
    assertEquals(3, kv.numFreeBlocks());
    assertTrue(kv.allocate(a, 12));
    assertEquals(3, a.numBlocks());
  }

  @Test
  void cachedFreeBlocksOfAHitCountAgainstTheFreeBlocks() {
    kv = manager(4); // 3 usable
    kv.free(prefilled(range(1, 9), null)); // 2 cached free blocks + 1 plain
    KvSequence b = seq(range(1, 13), null);
    assertEquals(8, kv.lookupPrefix(b));
    assertFalse(kv.allocate(b, 5), "2 revived + 2 fresh > 3 free");
    assertEquals(3, kv.numFreeBlocks());
    assertTrue(kv.allocate(b, 4));
    assertEquals(0, kv.numFreeBlocks());
  }

  @Test
  void blocksFilledByOutputTokensAreCachedToo() {
    KvSequence a = prefilled(range(1, 6), null);
    for (int t = 7; t <= 9; t++) {
      a.appendToken(t);
      assertTrue(kv.allocate(a, 1));
      kv.commitComputed(a, 1);
    }
    kv.free(a);
    assertEquals(8, kv.lookupPrefix(seq(range(1, 9), null)));
  }

  @Test
  void identicalPromptsComputedTogetherCacheOneCopy() {
    List<KvEventBatch> batches = listen();
    KvSequence a = seq(range(1, 9), null);
    KvSequence b = seq(range(1, 9), null);
    for (KvSequence s : List.of(a, b)) {
      kv.lookupPrefix(s);
      assertTrue(kv.allocate(s, 9));
    }
    kv.commitComputed(a, 9);
    kv.commitComputed(b, 9);
    kv.flushEvents();
    assertEquals(1, batches.getFirst().events().size(), "one BlockStored: b's blocks are duplicates");
    int[] aBlocks = Arrays.copyOf(a.blockTable(), 2);
    kv.free(b);
    kv.free(a);
    KvSequence c = seq(range(1, 9), null);
    assertEquals(8, kv.lookupPrefix(c));
    assertTrue(kv.allocate(c, 1));
    assertArrayEquals(aBlocks, Arrays.copyOf(c.blockTable(), 2));
    KvInvariants.check(kv, live);
  }

  @Test
  void forkSharesFullBlocksAndCopiesThePartialOne() {
    KvSequence parent = prefilled(range(1, 10), null);
    SequenceFork fork = kv.fork(parent);
    KvSequence child = fork.child();
    live.add(child);
    assertTrue(fork.needsCopy());
    assertEquals(parent.blockTable()[2], fork.copySrc());
    assertEquals(fork.copyDst(), child.blockTable()[2]);
    assertNotEquals(fork.copySrc(), fork.copyDst());
    assertArrayEquals(Arrays.copyOf(parent.blockTable(), 2), Arrays.copyOf(child.blockTable(), 2));
    assertEquals(10, child.numComputedTokens());
    assertEquals(2, kv.pool().refCount(parent.blockTable()[0]));
    KvInvariants.check(kv, live);
  }

  @Test
  void forkOfABlockAlignedParentNeedsNoCopy() {
    KvSequence parent = prefilled(range(1, 8), null);
    SequenceFork fork = kv.fork(parent);
    live.add(fork.child());
    assertFalse(fork.needsCopy());
    assertEquals(2, fork.child().numBlocks());
    KvInvariants.check(kv, live);
  }

  @Test
  void forkNeedingACopyWithNoFreeBlockTakesNothing() {
    kv = manager(4);
    prefilled(range(1, 10), null);
    assertEquals(0, kv.numFreeBlocks());
    assertNull(kv.fork(live.getFirst()));
    KvInvariants.check(kv, live);
  }

  @Test
  void slotIsBlockIdTimesBlockSizePlusOffset() {
    KvSequence a = prefilled(range(1, 6), null);
    assertEquals(a.blockTable()[1] * BS + 1, kv.slot(a, 5));
    assertEquals(a.blockTable()[0] * BS, kv.slot(a, 0));
  }

  @Test
  void prefixStatsCountQueriedAndHitTokensOncePerAdmission() {
    kv.free(prefilled(range(1, 10), null));
    long queries = kv.prefixCacheQueries();
    long hits = kv.prefixCacheHits();
    KvSequence waiting = seq(range(1, 10), null);
    kv.lookupPrefix(waiting);
    kv.lookupPrefix(waiting);
    assertEquals(queries, kv.prefixCacheQueries(), "a lookup counts when its sequence is admitted");
    assertTrue(kv.allocate(waiting, 2));
    assertEquals(queries + 10, kv.prefixCacheQueries(), "the 10-token prompt once, though looked up twice");
    assertEquals(hits + 8, kv.prefixCacheHits());
    assertTrue(kv.allocate(waiting, 0));
    assertEquals(queries + 10, kv.prefixCacheQueries(), "a later allocation of the same admission adds nothing");
    assertEquals(List.of(1, 1), kv.hottestBlocks(2).stream().map(CachedBlock::hits).toList(),
        "each of the two hit blocks counts one hit");
  }

  @Test
  void disabledPrefixCachingNeverHits() {
    kv = new KvCacheManager(KvCacheOptions.defaults(9).withBlockSize(BS).withPrefixCaching(false));
    kv.free(prefilled(range(1, 10), null));
    assertEquals(0, kv.lookupPrefix(seq(range(1, 10), null)));
    assertEquals(0, kv.pool().numCachedBlocks());
  }

  @Test
  void allocateAfterTheHitWasEvictedIsRefused() {
    kv = manager(4);
    kv.free(prefilled(range(1, 9), null));
    KvSequence b = seq(range(1, 9), null);
    assertEquals(8, kv.lookupPrefix(b));
    KvSequence other = seq(range(50, 61), null);
    kv.lookupPrefix(other);
    assertTrue(kv.allocate(other, 12));
    assertThrows(IllegalStateException.class, () -> kv.allocate(b, 1));
  }

  @Test
  void resetIsRefusedWhileBlocksAreHeldAndClearsTheCacheOtherwise() {
    KvSequence a = prefilled(range(1, 9), null);
    assertFalse(kv.reset());
    kv.free(a);
    assertTrue(kv.reset());
    assertEquals(0, kv.lookupPrefix(seq(range(1, 9), null)));
  }

  @Test
  void theStepPathAllocatesNothingWithoutAListener() {
    kv = manager(64);
    KvSequence a = seq(range(1, 61), null);
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = 0;
    for (int i = 0; i < 20_000; i++) {
      if (i == 10_000) {
        before = threads.getCurrentThreadAllocatedBytes();
      }
      int cached = kv.lookupPrefix(a);
      assertTrue(kv.allocate(a, 60 - cached));
      kv.commitComputed(a, 60 - cached);
      kv.free(a);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 10_000, "10000 lookup/allocate/commit/free cycles allocated " + allocated + " bytes");
  }

  @Test
  void promptHashesComputedAheadAreTakenInsteadOfHashingAgain() {
    kv.free(prefilled(range(1, 10), "t"));
    String seed = kv.options().hashSeed();
    PromptHashes right = PromptHashes.of(new BlockHasher(seed), seed, range(1, 10), BS, "t");
    KvSequence b = seq(range(1, 10), "t");
    assertTrue(kv.adoptHashes(b, right));
    assertEquals(8, kv.lookupPrefix(b), "the adopted hashes find the cached blocks");

    // Hashes of other tokens, claimed for this prompt: taken as given, so nothing matches; the cache did not hash.
    PromptHashes other = PromptHashes.of(new BlockHasher(seed), seed, range(50, 59), BS, "t");
    KvSequence c = seq(range(1, 10), "t");
    assertTrue(kv.adoptHashes(c, other));
    assertEquals(0, kv.lookupPrefix(c));
  }

  @Test
  void promptHashesComputedUnderAnotherSeedBlockSizeOrSaltAreIgnored() {
    kv.free(prefilled(range(1, 10), "t"));
    String seed = kv.options().hashSeed();
    List<PromptHashes> foreign = List.of(
        PromptHashes.of(new BlockHasher("other"), "other", range(50, 59), BS, "t"),
        PromptHashes.of(new BlockHasher(seed), seed, range(50, 59), 2 * BS, "t"),
        PromptHashes.of(new BlockHasher(seed), seed, range(50, 59), BS, "u"),
        PromptHashes.of(new BlockHasher(seed), seed, range(50, 70), BS, "t"));
    for (PromptHashes h : foreign) {
      KvSequence s = seq(range(1, 10), "t");
      assertFalse(kv.adoptHashes(s, h));
      assertEquals(8, kv.lookupPrefix(s), "hashed by the cache itself");
    }
  }

  private KvCacheManager manager(int numBlocks) {
    return new KvCacheManager(KvCacheOptions.defaults(numBlocks).withBlockSize(BS));
  }

  private List<KvEventBatch> listen() {
    List<KvEventBatch> batches = new ArrayList<>();
    kv.setEventListener(batches::add);
    return batches;
  }

  private KvSequence seq(int[] tokens, String salt) {
    KvSequence s = new KvSequence(tokens, salt);
    live.add(s);
    return s;
  }

  /** A sequence whose whole prompt was computed in one step. */
  private KvSequence prefilled(int[] tokens, String salt) {
    KvSequence s = seq(tokens, salt);
    int cached = kv.lookupPrefix(s);
    assertTrue(kv.allocate(s, tokens.length - cached));
    kv.commitComputed(s, tokens.length - cached);
    return s;
  }

  static int[] range(int from, int toInclusive) {
    int[] r = new int[toInclusive - from + 1];
    Arrays.setAll(r, i -> from + i);
    return r;
  }
}
