package dev.ember.runner;

import dev.ember.model.DType;
import java.util.function.DoubleConsumer;

/**
 * How a model is brought into native memory.
 *
 * @param dtype weight type for matrices after loading, or null to keep the file's types
 *     (GGUF Q8_0/Q4_0 and f16/bf16/f32 tensors are used in place, memory-mapped)
 * @param threads kernel threads of this model (the calling worker thread counts as one)
 * @param maxBatchTokens the most tokens one forward step may carry
 * @param progress receives the loaded fraction in [0, 1]; may be a no-op
 */
public record LoadOptions(DType dtype, int threads, int maxBatchTokens, DoubleConsumer progress) {
  /** Default kernel threads: every available core. */
  public static final int DEFAULT_THREADS = Runtime.getRuntime().availableProcessors();
  /** Default step capacity in tokens (vLLM's max_num_batched_tokens default). */
  public static final int DEFAULT_MAX_BATCH_TOKENS = 2048;

  public LoadOptions {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if (maxBatchTokens < 1) {
      throw new IllegalArgumentException("maxBatchTokens must be >= 1, got " + maxBatchTokens);
    }
    if (progress == null) {
      progress = f -> {};
    }
  }

  public static LoadOptions defaults() {
    return new LoadOptions(null, DEFAULT_THREADS, DEFAULT_MAX_BATCH_TOKENS, null);
  }

  public LoadOptions withDtype(DType d) {
    return new LoadOptions(d, threads, maxBatchTokens, progress);
  }

  public LoadOptions withThreads(int t) {
    return new LoadOptions(dtype, t, maxBatchTokens, progress);
  }

  public LoadOptions withMaxBatchTokens(int n) {
    return new LoadOptions(dtype, threads, n, progress);
  }

  public LoadOptions withProgress(DoubleConsumer p) {
    return new LoadOptions(dtype, threads, maxBatchTokens, p);
  }
}
