package dev.ember.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A small scheduler drives thousands of requests (shared prefixes, chunked prefill, decoding,
 * cancellations, preemptions, forks) through a pool small enough that allocation often fails.
 * A fake KV memory records which token each slot holds, so every computed position, prefix hits
 * included, is checked to hold its own token; the pool invariants are checked every step; the
 * event stream is replayed into an index that must equal the pool's cache; and at the end every
 * block is free.
 */
class KvCacheRandomizedTest {

  private static final int BS = 4;
  private static final int NUM_BLOCKS = 41;
  private static final int REQUESTS = 3000;
  private static final int TOKEN_BUDGET = 24;

  private final Random random = new Random(20240611);
  private final KvCacheManager kv =
      new KvCacheManager(KvCacheOptions.defaults(NUM_BLOCKS).withBlockSize(BS));
  private final int[] slots = new int[NUM_BLOCKS * BS];
  private final Deque<Req> waiting = new ArrayDeque<>();
  private final List<Req> running = new ArrayList<>();
  private final Set<Long> index = new HashSet<>();
  private final int[][] prefixes = new int[6][];
  private long lastBatch = -1;
  private int allocationFailures;
  private int preemptions;
  private int forks;
  private int finished;

  private static final class Req {
    final KvSequence seq;
    final int maxOutput;
    final boolean forked;
    int outputs;
    int scheduled;

    Req(KvSequence seq, int maxOutput, boolean forked) {
      this.seq = seq;
      this.maxOutput = maxOutput;
      this.forked = forked;
    }
  }

  @Test
  void thousandsOfRequestsKeepThePoolConsistentAndLeakNothing() {
    kv.setEventListener(this::replay);
    for (int i = 0; i < prefixes.length; i++) {
      prefixes[i] = randomTokens(random.nextInt(4, 25));
    }
    int created = 0;
    while (created < REQUESTS || !waiting.isEmpty() || !running.isEmpty()) {
      for (int n = random.nextInt(4); n > 0 && created < REQUESTS; n--, created++) {
        waiting.add(newRequest());
      }
      step();
      checkEverything();
    }
    KvInvariants.assertAllFree(kv);
    assertCacheMirrorsIndex();
    assertEquals(REQUESTS, finished, "every request ends");
    assertTrue(allocationFailures > 100, "allocation failed only " + allocationFailures + " times");
    assertTrue(preemptions > 50 && forks > 20, preemptions + " preemptions, " + forks + " forks");
    assertTrue(kv.prefixCacheHits() > kv.prefixCacheQueries() / 10, "prefix hits are rare");
  }

  private void step() {
    int budget = TOKEN_BUDGET;
    List<Req> scheduled = new ArrayList<>();
    for (Iterator<Req> it = running.iterator(); it.hasNext() && budget > 0; ) {
      Req r = it.next();
      int n = Math.min(r.seq.numTokens() - r.seq.numComputedTokens(), Math.min(budget, 8));
      if (random.nextInt(50) == 0 || !allocate(r, n)) {
        kv.free(r.seq);
        it.remove();
        waiting.addFirst(r);
        preemptions++;
        continue;
      }
      r.scheduled = n;
      budget -= n;
      scheduled.add(r);
    }
    while (budget > 0 && !waiting.isEmpty()) {
      Req r = waiting.peekFirst();
      int cached = kv.lookupPrefix(r.seq);
      int n = Math.min(r.seq.numTokens() - cached, budget);
      if (!allocate(r, n)) {
        break;
      }
      assertSlotsHoldTheirTokens(r.seq);
      waiting.removeFirst();
      running.add(r);
      r.scheduled = n;
      budget -= n;
      scheduled.add(r);
    }
    for (Req r : scheduled) {
      compute(r);
    }
    kv.flushEvents();
  }

  private boolean allocate(Req r, int n) {
    boolean ok = kv.allocate(r.seq, n);
    if (!ok) {
      allocationFailures++;
    }
    return ok;
  }

  /** The "forward pass": writes each new token into its slot, then samples, forks, finishes. */
  private void compute(Req r) {
    KvSequence seq = r.seq;
    for (int p = seq.numComputedTokens(), end = p + r.scheduled; p < end; p++) {
      slots[kv.slot(seq, p)] = seq.tokenAt(p);
    }
    kv.commitComputed(seq, r.scheduled);
    if (seq.numComputedTokens() < seq.numTokens()) {
      return;
    }
    if (r.outputs == r.maxOutput || random.nextInt(100) == 0) {
      kv.free(seq);
      running.remove(r);
      if (!r.forked) {
        finished++;
      }
      return;
    }
    if (random.nextInt(30) == 0) {
      fork(r);
    }
    seq.appendToken(random.nextInt(40));
    r.outputs++;
  }

  private void fork(Req parent) {
    SequenceFork fork = kv.fork(parent.seq);
    if (fork == null) {
      return;
    }
    if (fork.needsCopy()) {
      System.arraycopy(slots, fork.copySrc() * BS, slots, fork.copyDst() * BS, BS);
    }
    Req child = new Req(fork.child(), parent.maxOutput, true);
    child.outputs = parent.outputs;
    child.seq.appendToken(random.nextInt(40));
    child.outputs++;
    running.add(child);
    forks++;
  }

  private void checkEverything() {
    List<KvSequence> live = new ArrayList<>();
    for (Req r : running) {
      live.add(r.seq);
      assertSlotsHoldTheirTokens(r.seq);
    }
    for (Req r : waiting) {
      assertEquals(0, r.seq.numBlocks(), "a waiting sequence holds blocks");
    }
    KvInvariants.check(kv, live);
    assertCacheMirrorsIndex();
  }

  private void assertSlotsHoldTheirTokens(KvSequence seq) {
    for (int p = 0; p < seq.numComputedTokens(); p++) {
      assertEquals(seq.tokenAt(p), slots[kv.slot(seq, p)], "token at position " + p);
    }
  }

  private void replay(KvEventBatch batch) {
    assertEquals(lastBatch + 1, batch.sequence(), "batch numbers");
    lastBatch = batch.sequence();
    for (KvEvent e : batch.events()) {
      switch (e) {
        case KvEvent.BlockStored s -> {
          assertEquals(s.blockHashes().length * BS, s.tokenIds().length);
          for (long key : s.blockHashes()) {
            assertTrue(index.add(key), "stored twice: " + key);
          }
        }
        case KvEvent.BlockRemoved r -> {
          for (long key : r.blockHashes()) {
            assertTrue(index.remove(key), "removed but never stored: " + key);
          }
        }
        case KvEvent.AllBlocksCleared c -> index.clear();
      }
    }
  }

  private void assertCacheMirrorsIndex() {
    Set<Long> cached = new HashSet<>();
    for (int b = 1; b < NUM_BLOCKS; b++) {
      if (kv.pool().isCached(b)) {
        cached.add(kv.pool().key(b));
      }
    }
    assertEquals(cached, index);
  }

  private Req newRequest() {
    int[] prefix = random.nextInt(4) == 0 ? new int[0] : prefixes[random.nextInt(prefixes.length)];
    int[] suffix = randomTokens(random.nextInt(1, 20));
    int[] prompt = Arrays.copyOf(prefix, prefix.length + suffix.length);
    System.arraycopy(suffix, 0, prompt, prefix.length, suffix.length);
    String salt = random.nextInt(5) == 0 ? "tenant-" + random.nextInt(2) : null;
    return new Req(new KvSequence(prompt, salt), random.nextInt(0, 16), false);
  }

  private int[] randomTokens(int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = random.nextInt(40);
    }
    return t;
  }
}
