package dev.ember.runner;

import java.nio.FloatBuffer;

/**
 * Drives a {@link ModelRunner} for a fixed set of sequences whose KV blocks are assigned up front
 * (no scheduler): prefill prompts in chunks, then decode one token per sequence per step. Used by
 * {@code ember generate}, {@code ember bench latency} and by correctness tests that compare block
 * layouts and batch compositions.
 *
 * <pre>{@code
 * DirectDecoder d = DirectDecoder.contiguous(runner, 1);
 * FloatBuffer logits = d.prefill(0, promptIds);      // logits of the last prompt token
 * logits = d.decode(new int[] {0}, new int[] {next}); // one row per sequence
 * }</pre>
 */
public final class DirectDecoder {
  private final ModelRunner runner;
  private final int[][] blockTables;
  private final int[] lengths;

  /** blockTables[s] lists the cache blocks of sequence s in position order. */
  public DirectDecoder(ModelRunner runner, int[][] blockTables) {
    this.runner = runner;
    this.blockTables = blockTables;
    this.lengths = new int[blockTables.length];
    if (blockTables.length > runner.buffers().maxSeqs()) {
      throw new IllegalArgumentException(blockTables.length + " sequences exceed the runner's " + runner.buffers().maxSeqs());
    }
  }

  /** Sequence s gets blocks [s*per, (s+1)*per), per = the cache's blocks divided evenly. */
  public static DirectDecoder contiguous(ModelRunner runner, int sequences) {
    int per = Math.min(runner.kv().numBlocks() / sequences, runner.buffers().maxBlocksPerSeq());
    int[][] tables = new int[sequences][per];
    for (int s = 0; s < sequences; s++) {
      for (int b = 0; b < per; b++) {
        tables[s][b] = s * per + b;
      }
    }
    return new DirectDecoder(runner, tables);
  }

  /** Tokens held by sequence s so far. */
  public int length(int s) {
    return lengths[s];
  }

  /** Token capacity of sequence s. */
  public int capacity(int s) {
    return blockTables[s].length * runner.kv().blockSize();
  }

  /** Forgets sequence s's tokens (its blocks are reused from position 0). */
  public void reset(int s) {
    lengths[s] = 0;
  }

  /**
   * Appends tokens to sequence s in chunks of at most the model's step capacity and returns the
   * logits of the last token (row 0 of the returned buffer).
   */
  public FloatBuffer prefill(int s, int[] tokens) {
    return prefill(s, tokens, runner.model().maxBatchTokens());
  }

  /** As {@link #prefill(int, int[])} with chunks of at most chunk tokens. */
  public FloatBuffer prefill(int s, int[] tokens, int chunk) {
    if (tokens.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    int c = Math.min(chunk, runner.model().maxBatchTokens());
    for (int start = 0; start < tokens.length; start += c) {
      int n = Math.min(c, tokens.length - start);
      StepBuffers b = runner.buffers();
      checkCapacity(s, n);
      for (int i = 0; i < n; i++) {
        int pos = lengths[s] + i;
        b.tokenIds.put(i, tokens[start + i]);
        b.positions.put(i, pos);
        b.slotMapping.put(i, slot(s, pos));
      }
      b.queryStart.put(0, 0).put(1, n);
      b.contextLens.put(0, lengths[s] + n);
      writeTable(0, s);
      b.logitsIndices.put(0, n - 1);
      lengths[s] += n;
      runner.forward(n, 1, 1);
    }
    return runner.buffers().logits;
  }

  /**
   * One step decoding tokens[i] for sequence seqs[i] (all at once); logits row i belongs to seqs[i].
   */
  public FloatBuffer decode(int[] seqs, int[] tokens) {
    StepBuffers b = runner.buffers();
    for (int i = 0; i < seqs.length; i++) {
      int s = seqs[i];
      checkCapacity(s, 1);
      int pos = lengths[s];
      b.tokenIds.put(i, tokens[i]);
      b.positions.put(i, pos);
      b.slotMapping.put(i, slot(s, pos));
      b.queryStart.put(i, i);
      b.contextLens.put(i, pos + 1);
      b.logitsIndices.put(i, i);
      writeTable(i, s);
      lengths[s]++;
    }
    b.queryStart.put(seqs.length, seqs.length);
    runner.forward(seqs.length, seqs.length, seqs.length);
    return b.logits;
  }

  private void checkCapacity(int s, int more) {
    if (lengths[s] + more > capacity(s)) {
      throw new IllegalStateException("sequence " + s + " needs " + (lengths[s] + more) + " slots but has "
          + capacity(s));
    }
  }

  private int slot(int s, int pos) {
    int bs = runner.kv().blockSize();
    return blockTables[s][pos / bs] * bs + pos % bs;
  }

  private void writeTable(int row, int s) {
    StepBuffers b = runner.buffers();
    int base = row * b.maxBlocksPerSeq();
    int used = Math.min(blockTables[s].length, b.maxBlocksPerSeq());
    for (int j = 0; j < used; j++) {
      b.blockTables.put(base + j, blockTables[s][j]);
    }
  }

  /** Index of the largest value in row r of the logits (lowest index on ties). */
  public static int argmax(FloatBuffer logits, int row, int vocab) {
    int base = row * vocab;
    int best = 0;
    float max = logits.get(base);
    for (int i = 1; i < vocab; i++) {
      float v = logits.get(base + i);
      if (v > max) {
        max = v;
        best = i;
      }
    }
    return best;
  }
}
