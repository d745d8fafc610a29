package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The reused native arrays of one engine step (ARCHITECTURE.md, "The step"), allocated once at the
 * capacity of the runner and written in place by the scheduler with absolute puts:
 * token ids and positions {@code [T]}, query starts {@code [S+1]}, context lengths {@code [S]},
 * block tables {@code [S x maxBlocks]}, slot mapping {@code [T]}, logits rows {@code [L]} and the
 * logits output {@code [L x vocab]}.
 */
public final class StepBuffers implements AutoCloseable {
  private final int maxTokens;
  private final int maxSeqs;
  private final int maxBlocksPerSeq;
  private final int vocabSize;
  private final IntPointer tokenIdsPtr;
  private final IntPointer positionsPtr;
  private final IntPointer queryStartPtr;
  private final IntPointer contextLensPtr;
  private final IntPointer blockTablesPtr;
  private final IntPointer slotMappingPtr;
  private final IntPointer logitsIndicesPtr;
  private final FloatPointer logitsPtr;
  private final EmberNative.EmberStep step;
  public final IntBuffer tokenIds;
  public final IntBuffer positions;
  public final IntBuffer queryStart;
  public final IntBuffer contextLens;
  public final IntBuffer blockTables;
  public final IntBuffer slotMapping;
  public final IntBuffer logitsIndices;
  public final FloatBuffer logits;

  /**
   * @param maxTokens tokens per step (the model's max batch tokens)
   * @param maxSeqs sequences per step (also the most logits rows)
   * @param maxBlocksPerSeq block table columns (max model length / block size, rounded up)
   */
  public StepBuffers(int maxTokens, int maxSeqs, int maxBlocksPerSeq, int vocabSize) {
    if (maxTokens < 1 || maxSeqs < 1 || maxBlocksPerSeq < 1) {
      throw new IllegalArgumentException("step capacities must be positive");
    }
    this.maxTokens = maxTokens;
    this.maxSeqs = maxSeqs;
    this.maxBlocksPerSeq = maxBlocksPerSeq;
    this.vocabSize = vocabSize;
    tokenIdsPtr = new IntPointer((long) maxTokens);
    positionsPtr = new IntPointer((long) maxTokens);
    queryStartPtr = new IntPointer((long) maxSeqs + 1);
    contextLensPtr = new IntPointer((long) maxSeqs);
    blockTablesPtr = new IntPointer((long) maxSeqs * maxBlocksPerSeq);
    slotMappingPtr = new IntPointer((long) maxTokens);
    logitsIndicesPtr = new IntPointer((long) maxSeqs);
    logitsPtr = new FloatPointer((long) maxSeqs * vocabSize);
    tokenIds = tokenIdsPtr.asBuffer();
    positions = positionsPtr.asBuffer();
    queryStart = queryStartPtr.asBuffer();
    contextLens = contextLensPtr.asBuffer();
    blockTables = blockTablesPtr.asBuffer();
    slotMapping = slotMappingPtr.asBuffer();
    logitsIndices = logitsIndicesPtr.asBuffer();
    logits = logitsPtr.asBuffer();
    step = new EmberNative.EmberStep();
    step.token_ids(tokenIdsPtr.address())
        .positions(positionsPtr.address())
        .query_start(queryStartPtr.address())
        .context_lens(contextLensPtr.address())
        .block_tables(blockTablesPtr.address())
        .slot_mapping(slotMappingPtr.address())
        .logits_indices(logitsIndicesPtr.address())
        .logits(logitsPtr.address());
  }

  public int maxTokens() {
    return maxTokens;
  }

  public int maxSeqs() {
    return maxSeqs;
  }

  public int maxBlocksPerSeq() {
    return maxBlocksPerSeq;
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** Sets the counts of the next step; the arrays must already hold its data. */
  EmberNative.EmberStep prepare(int numTokens, int numSeqs, int numLogits) {
    if (numTokens < 1 || numTokens > maxTokens) {
      throw new IllegalArgumentException("step of " + numTokens + " tokens (capacity " + maxTokens + ")");
    }
    if (numSeqs < 1 || numSeqs > maxSeqs || numLogits < 0 || numLogits > maxSeqs) {
      throw new IllegalArgumentException("step of " + numSeqs + " sequences, " + numLogits + " logits rows (capacity "
          + maxSeqs + ")");
    }
    return step.num_tokens(numTokens).num_seqs(numSeqs).max_blocks(maxBlocksPerSeq).num_logits(numLogits);
  }

  @Override
  public void close() {
    step.close();
    tokenIdsPtr.close();
    positionsPtr.close();
    queryStartPtr.close();
    contextLensPtr.close();
    blockTablesPtr.close();
    slotMappingPtr.close();
    logitsIndicesPtr.close();
    logitsPtr.close();
  }
}
