package dev.ember.kv;

import dev.ember.kv.internal.BlockLineage;
import dev.ember.kv.internal.BlockPool;
import dev.ember.kv.internal.EventRecorder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Decides which blocks of one model's native KV pool each sequence uses, with automatic prefix
 * caching (vLLM v1's {@code KVCacheManager}): full blocks are hashed ({@link BlockHasher}) and
 * stay findable after their sequence ends until the LRU free queue hands them out again.
 *
 * <p>Per step the scheduler calls, on the engine thread only:
 * <pre>{@code
 * int cached = kv.lookupPrefix(seq);              // waiting sequence: tokens already cached
 * if (!kv.allocate(seq, numNewTokens)) preempt(); // slots for computed + new tokens, or nothing
 * runner.step(...);                               // reads seq.blockTable(), kv.slot(seq, p)
 * kv.commitComputed(seq, numNewTokens);           // full blocks enter the cache
 * kv.flushEvents();                               // one KvEventBatch if anything changed
 * kv.free(seq);                                   // finished, cancelled or preempted
 * }</pre>
 * Nothing on this path allocates per token; events are built only while a listener is set.
 * Block {@link #PADDING_BLOCK} is never given to a sequence: runners point padding entries of
 * block tables and slot mappings at it.
 */
public final class KvCacheManager {

  /** The reserved block id for padding; sequences use blocks 1..numBlocks-1. */
  public static final int PADDING_BLOCK = BlockPool.NULL_BLOCK;

  private static final int H = BlockHasher.HASH_BYTES;

  private final KvCacheOptions options;
  private final int blockSize;
  private final BlockHasher hasher;
  private final EventRecorder events = new EventRecorder();
  private final BlockPool pool;
  private final BlockLineage lineage;
  private final int[] pinCount;
  private int[] pinned = new int[16];
  private int numPinned;
  private KvEventListener listener;
  private long nextBatch;
  private long prefixQueries;
  private long prefixHits;

  public KvCacheManager(KvCacheOptions options) {
    this.options = options;
    this.blockSize = options.blockSize();
    this.hasher = new BlockHasher(options.hashSeed());
    this.pool = new BlockPool(options.numBlocks(), events::removed);
    this.lineage = new BlockLineage(options.numBlocks(), blockSize);
    this.pinCount = new int[options.numBlocks()];
  }

  /** Receives a restored block's contents: copy record {@code index}'s K/V into pool block {@code block}. */
  @FunctionalInterface
  public interface BlockFiller {
    void fill(int index, int block);
  }

  public KvCacheOptions options() {
    return options;
  }

  public int blockSize() {
    return blockSize;
  }

  /** Blocks no sequence references, cached or not. */
  public int numFreeBlocks() {
    return pool.numFreeBlocks();
  }

  /** Fraction of usable blocks in use, 0..1 (vLLM's {@code kv_cache_usage_perc}). */
  public double usage() {
    return pool.usage();
  }

  /** Prompt tokens looked up in the prefix cache, cumulative ({@code vllm:prefix_cache_queries}). */
  public long prefixCacheQueries() {
    return prefixQueries;
  }

  /** Of those, tokens found cached, cumulative ({@code vllm:prefix_cache_hits}). */
  public long prefixCacheHits() {
    return prefixHits;
  }

  /** Adds a receiver of event batches beside those already set; each gets every batch, in the order added. */
  public void addEventListener(KvEventListener more) {
    KvEventListener before = listener;
    setEventListener(before == null ? more : batch -> {
      before.onBatch(batch);
      more.onBatch(batch);
    });
  }

  /** Sets (or, with null, removes) the receiver of event batches, replacing any set before. */
  public void setEventListener(KvEventListener listener) {
    this.listener = listener;
    events.setEnabled(listener != null);
  }

  /** The cache slot of the token at {@code position}: block id times block size plus offset. */
  public int slot(KvSequence seq, int position) {
    return seq.blockTable[position / blockSize] * blockSize + position % blockSize;
  }

  /**
   * For a sequence holding no blocks (new, or preempted): hashes its full blocks (once per
   * sequence) and finds the longest run of leading blocks already cached. Returns the cached
   * token count, which becomes the sequence's computed tokens; at least the last token is always
   * left to compute, so a fully cached prompt recomputes its last block. The prefix stats and the
   * blocks' hit counts take the lookup when {@link #allocate} does (a sequence looked up again while it
   * waits counts once). Call
   * {@link #allocate} for this sequence before allocating for any other.
   */
  public int lookupPrefix(KvSequence seq) {
    if (seq.numBlocks != 0) {
      throw new IllegalStateException("lookupPrefix is for a sequence that holds no blocks");
    }
    seq.pendingHitBlocks = 0;
    seq.numComputedTokens = 0;
    if (!options.enablePrefixCaching()) {
      return 0;
    }
    int maxHits = (seq.numTokens - 1) / blockSize;
    ensureHashes(seq, maxHits);
    int hits = 0;
    seq.ensureBlockCapacity(maxHits);
    while (hits < maxHits) {
      int block = pool.cachedBlock(seq.hashes, hits * H);
      if (block < 0) {
        break;
      }
      seq.blockTable[hits++] = block;
    }
    seq.pendingHitBlocks = hits;
    seq.pendingQueryTokens = seq.numTokens;
    seq.numComputedTokens = hits * blockSize;
    return seq.numComputedTokens;
  }

  /**
   * Makes sure the sequence has slots for its computed tokens plus {@code numNewTokens}: it takes
   * the blocks of its prefix hit and fresh blocks from the LRU head. Returns false, and takes
   * nothing, when the pool has too few free blocks (the scheduler then preempts or waits).
   */
  public boolean allocate(KvSequence seq, int numNewTokens) {
    int total = seq.numComputedTokens + numNewTokens;
    if (numNewTokens < 0 || total > seq.numTokens) {
      throw new IllegalArgumentException("cannot allocate " + numNewTokens + " new tokens: "
          + seq.numComputedTokens + " computed of " + seq.numTokens);
    }
    int hits = seq.numBlocks == 0 ? seq.pendingHitBlocks : 0;
    int fresh = Math.max(0, ceilDiv(total, blockSize) - seq.numBlocks - hits);
    int revived = 0;
    for (int i = 0; i < hits; i++) {
      int block = seq.blockTable[i];
      if (!pool.carries(block, seq.hashes, i * H)) {
        throw new IllegalStateException("prefix hit was evicted: allocate right after lookupPrefix");
      }
      if (pool.refCount(block) == 0) {
        revived++;
      }
    }
    if (fresh + revived > pool.numFreeBlocks()) {
      return false;
    }
    for (int i = 0; i < hits; i++) {
      pool.touch(seq.blockTable[i]);
    }
    if (seq.pendingQueryTokens > 0) {
      // counted once per admission, however many times a waiting sequence was looked up before
      prefixQueries += seq.pendingQueryTokens;
      prefixHits += (long) hits * blockSize;
      for (int i = 0; i < hits; i++) {
        pool.recordHit(seq.blockTable[i]);
      }
      seq.pendingQueryTokens = 0;
    }
    if (hits > 0) {
      seq.numBlocks = hits;
      seq.numCachedBlocks = hits;
      seq.pendingHitBlocks = 0;
    }
    seq.ensureBlockCapacity(seq.numBlocks + fresh);
    for (int i = 0; i < fresh; i++) {
      seq.blockTable[seq.numBlocks++] = pool.allocate();
    }
    return true;
  }

  /**
   * Records that a step computed the K/V of the sequence's next {@code numNewTokens} tokens; its
   * blocks that became full get their hash and enter the prefix cache (a BlockStored event).
   */
  public void commitComputed(KvSequence seq, int numNewTokens) {
    int total = seq.numComputedTokens + numNewTokens;
    if (numNewTokens < 0 || total > seq.numTokens || total > seq.numBlocks * blockSize) {
      throw new IllegalArgumentException("cannot commit " + numNewTokens + " tokens: "
          + seq.numComputedTokens + " computed, " + seq.numTokens + " tokens, "
          + seq.numBlocks * blockSize + " slots");
    }
    seq.numComputedTokens = total;
    int full = total / blockSize;
    if (!options.enablePrefixCaching() || full <= seq.numCachedBlocks) {
      return;
    }
    ensureHashes(seq, full);
    int runStart = -1;
    for (int b = seq.numCachedBlocks; b < full; b++) {
      boolean stored = pool.cache(seq.blockTable[b], seq.hashes, b * H);
      if (stored) {
        lineage.set(seq.blockTable[b], b == 0 ? null : seq.hashes, (b - 1) * H, seq.tokens, b * blockSize);
      }
      if (stored && runStart < 0) {
        runStart = b;
      } else if (!stored && runStart >= 0) {
        recordStored(seq, runStart, b);
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      recordStored(seq, runStart, full);
    }
    seq.numCachedBlocks = full;
  }

  /**
   * Releases all of the sequence's blocks, last block first, so the prefix's first blocks are
   * evicted last; the blocks keep their hashes and contents until reused. The sequence keeps its
   * tokens and hashes and may be looked up again (preemption).
   */
  public void free(KvSequence seq) {
    for (int b = seq.numBlocks - 1; b >= 0; b--) {
      pool.release(seq.blockTable[b]);
    }
    seq.clearBlocks();
  }

  /**
   * Forks a sequence for parallel sampling (n > 1): the child shares the parent's full computed
   * blocks and gets its own copy of a partly filled last block. Returns null, taking nothing,
   * when that copy needs a block and none is free.
   */
  public SequenceFork fork(KvSequence parent) {
    int computed = parent.numComputedTokens;
    if (ceilDiv(computed, blockSize) > parent.numBlocks) {
      throw new IllegalStateException("parent has computed tokens without blocks");
    }
    int full = computed / blockSize;
    boolean partial = computed % blockSize != 0;
    if (partial && pool.numFreeBlocks() == 0) {
      return null;
    }
    KvSequence child = parent.copyWithoutBlocks();
    child.ensureBlockCapacity(full + 1);
    for (int b = 0; b < full; b++) {
      pool.touch(parent.blockTable[b]);
      child.blockTable[b] = parent.blockTable[b];
    }
    child.numBlocks = full;
    int src = -1;
    int dst = -1;
    if (partial) {
      src = parent.blockTable[full];
      dst = pool.allocate();
      child.blockTable[child.numBlocks++] = dst;
    }
    child.numComputedTokens = computed;
    child.numCachedBlocks = Math.min(parent.numCachedBlocks, full);
    return new SequenceFork(child, src, dst);
  }

  /**
   * Drops every cached hash (e.g. after weights change) and records AllBlocksCleared. Only
   * possible while no sequence holds blocks; returns whether it happened.
   */
  public boolean reset() {
    if (!pool.clearCache()) {
      return false;
    }
    events.add(new KvEvent.AllBlocksCleared());
    return true;
  }

  /**
   * Pins the cached full blocks of a prefix (its leading run found in the cache): they stay referenced,
   * so no eviction takes them, until {@link #unpinAll}. Compute the prefix first (run it as a request).
   * Returns the number of blocks pinned.
   */
  public int pin(int[] tokens, String cacheSalt) {
    int full = tokens.length / blockSize;
    if (full == 0 || !options.enablePrefixCaching()) {
      return 0;
    }
    KvSequence seq = new KvSequence(tokens, cacheSalt);
    ensureHashes(seq, full);
    int b = 0;
    for (; b < full; b++) {
      int block = pool.cachedBlock(seq.hashes, b * H);
      if (block < 0) {
        break;
      }
      pool.touch(block);
      pinCount[block]++;
      if (numPinned == pinned.length) {
        pinned = Arrays.copyOf(pinned, numPinned * 2);
      }
      pinned[numPinned++] = block;
    }
    return b;
  }

  /** Releases every pinned block (they stay cached, as free blocks). */
  public void unpinAll() {
    for (int i = numPinned - 1; i >= 0; i--) {
      pinCount[pinned[i]]--;
      pool.release(pinned[i]);
    }
    numPinned = 0;
  }

  /** Distinct blocks pinned now. */
  public int numPinnedBlocks() {
    int n = 0;
    for (int c : pinCount) {
      n += c > 0 ? 1 : 0;
    }
    return n;
  }

  /** The hash chain's seed hash; snapshots compare it so blocks never move between seeds. */
  public byte[] seedHash() {
    return hasher.seedHash();
  }

  /**
   * The most valuable cached blocks, at most {@code maxBlocks}, for a prefix snapshot: whole prefix
   * chains only, parents before children; pinned prefixes first, then by prefix-cache hits, then by
   * recency.
   */
  public List<CachedBlock> hottestBlocks(int maxBlocks) {
    return PrefixCacheTransfer.hottest(pool, lineage, pinCount, maxBlocks);
  }

  /**
   * Restores snapshot blocks (parents first) as cached free blocks: {@code filler} copies each chosen
   * record's K/V into the block it was given; hashes are registered, BlockStored events recorded (flush
   * them with {@link #flushEvents}) and the LRU order keeps the hottest longest. Blocks already cached,
   * without a cached parent, whose hash does not follow from parent and tokens, or beyond the free
   * blocks are skipped. Returns the indexes of the restored records.
   */
  public int[] restore(List<CachedBlock> blocks, BlockFiller filler) {
    if (!options.enablePrefixCaching()) {
      return new int[0];
    }
    return PrefixCacheTransfer.restore(pool, lineage, hasher, events, blockSize, blocks, filler);
  }

  /** Delivers this step's events as one batch to the listener; does nothing when there were none. */
  public void flushEvents() {
    if (listener == null) {
      return;
    }
    List<KvEvent> step = events.drain();
    if (!step.isEmpty()) {
      listener.onBatch(new KvEventBatch(nextBatch++, System.currentTimeMillis(), step));
    }
  }

  /** The pool itself, for consistency checks in tests. */
  BlockPool pool() {
    return pool;
  }

  /** The sequence's hash of block {@code b} as its 64-bit key. */
  long blockKey(KvSequence seq, int b) {
    return BlockHasher.key64(seq.hashes, b * H);
  }

  /**
   * Takes a new sequence's prompt block hashes as computed ahead of the engine, so its lookup hashes
   * nothing; false (and nothing taken) unless they were computed under this cache's seed and block size
   * and the sequence's salt, for no more blocks than its prompt has, and the sequence hashed nothing yet.
   */
  public boolean adoptHashes(KvSequence seq, PromptHashes h) {
    int blocks = h.blocks();
    if (seq.numHashes != 0 || !h.seed().equals(options.hashSeed()) || h.blockSize() != blockSize
        || !Objects.equals(h.cacheSalt(), seq.cacheSalt()) || blocks > seq.numTokens / blockSize) {
      return false;
    }
    seq.ensureHashCapacity(blocks);
    System.arraycopy(h.hashes(), 0, seq.hashes, 0, blocks * H);
    seq.numHashes = blocks;
    return true;
  }

  private void ensureHashes(KvSequence seq, int blocks) {
    if (blocks <= seq.numHashes) {
      return;
    }
    seq.ensureHashCapacity(blocks);
    for (int b = seq.numHashes; b < blocks; b++) {
      hasher.hashBlock(b == 0 ? null : seq.hashes, (b - 1) * H, seq.tokens, b * blockSize,
          blockSize, seq.cacheSalt(), seq.hashes, b * H);
    }
    seq.numHashes = blocks;
  }

  private void recordStored(KvSequence seq, int from, int to) {
    if (!events.enabled()) {
      return;
    }
    long[] keys = new long[to - from];
    for (int b = from; b < to; b++) {
      keys[b - from] = blockKey(seq, b);
    }
    Long parent = from == 0 ? null : blockKey(seq, from - 1);
    int[] tokens = Arrays.copyOfRange(seq.tokens, from * blockSize, to * blockSize);
    events.add(new KvEvent.BlockStored(keys, parent, tokens, blockSize));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
