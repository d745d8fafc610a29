package dev.ember.runner;

import dev.ember.kernels.EmberNative;

/**
 * Runs forward steps of one model over its KV cache: the caller writes a step into {@link #buffers()},
 * then {@link #forward} makes the one native call and the logits rows are in {@code buffers().logits}.
 * Not thread-safe: it belongs to the one worker thread that owns the model's device context.
 *
 * <pre>{@code
 * StepBuffers b = runner.buffers();
 * b.tokenIds.put(0, id); b.positions.put(0, pos); ... ;
 * runner.forward(1, 1, 1);
 * }</pre>
 */
public final class ModelRunner implements AutoCloseable {
  private final NativeModel model;
  private final KvCacheMemory kv;
  private final StepBuffers buffers;

  public ModelRunner(NativeModel model, KvCacheMemory kv, int maxSeqs, int maxModelLen) {
    this.model = model;
    this.kv = kv;
    int maxBlocks = (maxModelLen + kv.blockSize() - 1) / kv.blockSize();
    this.buffers = new StepBuffers(model.maxBatchTokens(), maxSeqs, maxBlocks, model.config().vocabSize());
  }

  public StepBuffers buffers() {
    return buffers;
  }

  public NativeModel model() {
    return model;
  }

  public KvCacheMemory kv() {
    return kv;
  }

  /** One forward over the step in {@link #buffers()}: numTokens tokens of numSeqs sequences. */
  public void forward(int numTokens, int numSeqs, int numLogits) {
    int rc = EmberNative.ember_forward(model.handle(), kv.handle(), buffers.prepare(numTokens, numSeqs, numLogits));
    if (rc != 0) {
      throw new IllegalStateException("forward failed: " + EmberNative.ember_last_error());
    }
  }

  /** Closes the step buffers; the model and KV cache stay owned by the caller. */
  @Override
  public void close() {
    buffers.close();
  }
}
