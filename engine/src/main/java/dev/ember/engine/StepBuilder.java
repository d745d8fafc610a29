package dev.ember.engine;

import dev.ember.kv.KvCacheManager;
import dev.ember.kv.KvSequence;
import dev.ember.runner.StepBuffers;
import dev.ember.sched.ScheduledBatch;

/**
 * Packs a scheduled batch into the runner's reused step buffers (ARCHITECTURE.md, "The step"): the
 * new tokens of every sequence with their positions and cache slots, query starts, context lengths, block
 * tables, and the rows whose logits the step must produce. Allocates nothing per step once its row map
 * has grown to the largest batch.
 *
 * <pre>{@code int rows = builder.build(batch); runner.forward(batch.totalTokens(), batch.size(), rows); }</pre>
 */
final class StepBuilder {
  private final StepBuffers buffers;
  private final KvCacheManager kv;
  private int[] logitsRow = new int[64];

  StepBuilder(StepBuffers buffers, KvCacheManager kv) {
    this.buffers = buffers;
    this.kv = kv;
  }

  /** Fills the buffers from the batch and returns the number of logits rows. */
  int build(ScheduledBatch b) {
    StepBuffers sb = buffers;
    if (logitsRow.length < b.size()) {
      logitsRow = new int[Math.max(b.size(), logitsRow.length * 2)];
    }
    int maxBlocks = sb.maxBlocksPerSeq();
    int t = 0;
    int rows = 0;
    for (int i = 0; i < b.size(); i++) {
      KvSequence ks = b.sequence(i).kv();
      int c = ks.numComputedTokens();
      int n = b.numNewTokens(i);
      sb.queryStart.put(i, t);
      for (int j = 0; j < n; j++, t++) {
        sb.tokenIds.put(t, ks.tokenAt(c + j));
        sb.positions.put(t, c + j);
        sb.slotMapping.put(t, kv.slot(ks, c + j));
      }
      sb.contextLens.put(i, c + n);
      int[] table = ks.blockTable();
      int base = i * maxBlocks;
      for (int k = 0, nb = ks.numBlocks(); k < nb; k++) {
        sb.blockTables.put(base + k, table[k]);
      }
      if (b.needsLogits(i)) {
        sb.logitsIndices.put(rows, t - 1);
        logitsRow[i] = rows++;
      } else {
        logitsRow[i] = -1;
      }
    }
    sb.queryStart.put(b.size(), t);
    return rows;
  }

  /** The logits row of scheduled sequence i in the last built step, or -1 when it produced none. */
  int logitsRow(int i) {
    return logitsRow[i];
  }
}
