package dev.ember.kernels;

import static dev.ember.kernels.EmberNative.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Runs steps of the tiny model over one KV cache for tests: hands each sequence blocks in a
 * given order, fills an {@link EmberStep} and returns the logits of every token of the step.
 *
 * <pre>{@code float[][] logits = runner.run(new int[][] {promptA, promptB}, new int[] {0, 1}); }</pre>
 */
final class StepRunner implements AutoCloseable {
  private final long model;
  private final long kv;
  private final int blockSize;
  private final int[] blockOrder;
  private int nextBlock;
  private final List<List<Integer>> seqBlocks = new ArrayList<>();
  private final List<Integer> cached = new ArrayList<>();

  StepRunner(long model, long kv, int blockSize, int[] blockOrder) {
    this.model = model;
    this.kv = kv;
    this.blockSize = blockSize;
    this.blockOrder = blockOrder;
  }

  /** Runs chunk[i] as new tokens of sequence seq[i] (sequences are numbered from 0 as first seen). */
  float[][] run(int[][] chunks, int[] seqs) {
    int total = 0, maxBlocks = 0;
    for (int i = 0; i < chunks.length; i++) {
      while (seqBlocks.size() <= seqs[i]) {
        seqBlocks.add(new ArrayList<>());
        cached.add(0);
      }
      List<Integer> blocks = seqBlocks.get(seqs[i]);
      int ctx = cached.get(seqs[i]) + chunks[i].length;
      while (blocks.size() * blockSize < ctx) blocks.add(blockOrder[nextBlock++]);
      maxBlocks = Math.max(maxBlocks, blocks.size());
      total += chunks[i].length;
    }
    int[] ids = new int[total], pos = new int[total], slots = new int[total], rows = new int[total];
    int[] start = new int[chunks.length + 1], ctx = new int[chunks.length], table = new int[chunks.length * maxBlocks];
    int t = 0;
    for (int i = 0; i < chunks.length; i++) {
      List<Integer> blocks = seqBlocks.get(seqs[i]);
      int base = cached.get(seqs[i]);
      for (int j = 0; j < chunks[i].length; j++, t++) {
        int p = base + j;
        ids[t] = chunks[i][j];
        pos[t] = p;
        slots[t] = blocks.get(p / blockSize) * blockSize + p % blockSize;
        rows[t] = t;
      }
      cached.set(seqs[i], base + chunks[i].length);
      start[i + 1] = t;
      ctx[i] = base + chunks[i].length;
      for (int b = 0; b < maxBlocks; b++) table[i * maxBlocks + b] = b < blocks.size() ? blocks.get(b) : -1;
    }
    int vocab = TinyNativeModel.VOCAB;
    try (IntPointer pIds = new IntPointer(ids);
        IntPointer pPos = new IntPointer(pos);
        IntPointer pStart = new IntPointer(start);
        IntPointer pCtx = new IntPointer(ctx);
        IntPointer pTable = new IntPointer(table.length == 0 ? new int[1] : table);
        IntPointer pSlots = new IntPointer(slots);
        IntPointer pRows = new IntPointer(rows);
        FloatPointer pLogits = new FloatPointer((long) total * vocab);
        EmberStep step = new EmberStep()) {
      step.num_tokens(total).num_seqs(chunks.length).max_blocks(maxBlocks).num_logits(total)
          .token_ids(pIds.address()).positions(pPos.address()).query_start(pStart.address())
          .context_lens(pCtx.address()).block_tables(pTable.address()).slot_mapping(pSlots.address())
          .logits_indices(pRows.address()).logits(pLogits.address());
      if (ember_forward(model, kv, step) != 0) throw new IllegalStateException(ember_last_error());
      float[][] out = new float[total][vocab];
      for (int r = 0; r < total; r++) pLogits.position((long) r * vocab).get(out[r]);
      return out;
    }
  }

  @Override
  public void close() {
    ember_kv_free(kv);
  }
}
