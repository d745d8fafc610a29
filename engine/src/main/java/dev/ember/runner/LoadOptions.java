package dev.ember.runner;

import dev.ember.model.DType;
import java.nio.file.Path;
import java.util.function.DoubleConsumer;

/**
 * How a model is brought into native memory.
 *
 * @param dtype weight type for matrices after loading, or null to keep the file's types
 *     (GGUF Q8_0/Q4_0 and f16/bf16/f32 tensors are used in place, memory-mapped)
 * @param threads kernel threads of this model (the calling worker thread counts as one)
 * @param maxBatchTokens the most tokens one forward step may carry
 * @param progress receives the loaded fraction in [0, 1]; may be a no-op
 * @param weightCache {@value #WEIGHT_CACHE_DOC}
 * @param weightCacheDir {@value #WEIGHT_CACHE_DIR_DOC}
 * @param prefetch {@value #PREFETCH_DOC}
 * @param device {@value #DEVICE_DOC}
 */
public record LoadOptions(DType dtype, int threads, int maxBatchTokens, DoubleConsumer progress, boolean weightCache,
    Path weightCacheDir, boolean prefetch, String device) {
  /** Default kernel threads: every available core. */
  public static final int DEFAULT_THREADS = Runtime.getRuntime().availableProcessors();
  /** Default step capacity in tokens (vLLM's max_num_batched_tokens default). */
  public static final int DEFAULT_MAX_BATCH_TOKENS = 2048;
  public static final boolean DEFAULT_WEIGHT_CACHE = true;
  public static final String WEIGHT_CACHE_DOC = "Convert weights needing a type change once into an on-disk cache"
      + " file and map that file on later starts.";
  public static final String WEIGHT_CACHE_DIR_DOC = "Directory for converted-weight caches; null for"
      + " <model dir>/.ember-cache (or ~/.cache/ember when the model directory is read-only).";

  public static final boolean DEFAULT_PREFETCH = true;
  public static final String PREFETCH_DOC = "Read weights used in place once at load (large parallel reads) so the"
      + " first forward does not fault them in from disk page by page.";

  public static final String DEFAULT_DEVICE = "cpu";
  public static final String DEVICE_DOC = "Native backend that holds the weights and KV cache and runs the forward"
      + " (\"cpu\"; others only where the native library was built with them).";

  public LoadOptions {
    if (device == null || device.isBlank()) {
      throw new IllegalArgumentException("device must be named, e.g. \"" + DEFAULT_DEVICE + "\"");
    }
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

  /** Options with the weight cache at its defaults. */
  public LoadOptions(DType dtype, int threads, int maxBatchTokens, DoubleConsumer progress) {
    this(dtype, threads, maxBatchTokens, progress, DEFAULT_WEIGHT_CACHE, null, DEFAULT_PREFETCH, DEFAULT_DEVICE);
  }

  public static LoadOptions defaults() {
    return new LoadOptions(null, DEFAULT_THREADS, DEFAULT_MAX_BATCH_TOKENS, null);
  }

  public LoadOptions withDtype(DType d) {
    return new LoadOptions(d, threads, maxBatchTokens, progress, weightCache, weightCacheDir, prefetch, device);
  }

  public LoadOptions withThreads(int t) {
    return new LoadOptions(dtype, t, maxBatchTokens, progress, weightCache, weightCacheDir, prefetch, device);
  }

  public LoadOptions withMaxBatchTokens(int n) {
    return new LoadOptions(dtype, threads, n, progress, weightCache, weightCacheDir, prefetch, device);
  }

  public LoadOptions withProgress(DoubleConsumer p) {
    return new LoadOptions(dtype, threads, maxBatchTokens, p, weightCache, weightCacheDir, prefetch, device);
  }

  public LoadOptions withWeightCache(boolean enabled) {
    return new LoadOptions(dtype, threads, maxBatchTokens, progress, enabled, weightCacheDir, prefetch, device);
  }

  public LoadOptions withWeightCacheDir(Path dir) {
    return new LoadOptions(dtype, threads, maxBatchTokens, progress, weightCache, dir, prefetch, device);
  }

  public LoadOptions withPrefetch(boolean enabled) {
    return new LoadOptions(dtype, threads, maxBatchTokens, progress, weightCache, weightCacheDir, enabled, device);
  }

  public LoadOptions withDevice(String d) {
    return new LoadOptions(dtype, threads, maxBatchTokens, progress, weightCache, weightCacheDir, prefetch, d);
  }
}
