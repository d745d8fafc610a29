package dev.ember.engine;

import dev.ember.model.DType;
import dev.ember.runner.KvCacheMemory;

/**
 * How {@link EngineFactory} sizes what it builds over a loaded model: the KV cache (a block count or a
 * memory budget, exactly one), its block size and element type, and the engine's options (whose scheduler
 * also sizes the step buffers: most sequences per step, longest sequence).
 *
 * <pre>{@code EngineBuildOptions o = EngineBuildOptions.ofBudget(512L << 20, EngineOptions.defaults(4096)); }</pre>
 *
 * @param kvBlocks {@value #KV_BLOCKS_DOC}
 * @param kvCacheMemory {@value #KV_CACHE_MEMORY_DOC}
 * @param blockSize {@value #BLOCK_SIZE_DOC}
 * @param kvDtype {@value #KV_DTYPE_DOC}
 * @param engine the engine's scheduler, prefix-caching and hashing options
 */
public record EngineBuildOptions(int kvBlocks, long kvCacheMemory, int blockSize, DType kvDtype, EngineOptions engine) {
  public static final String KV_BLOCKS_DOC = "KV cache blocks to allocate (0 when sized by kvCacheMemory).";
  public static final String KV_CACHE_MEMORY_DOC = "KV cache bytes; as many blocks as fit (0 when sized by kvBlocks).";
  public static final int DEFAULT_BLOCK_SIZE = KvCacheMemory.DEFAULT_BLOCK_SIZE;
  public static final String BLOCK_SIZE_DOC = "Token slots per KV block.";
  public static final DType DEFAULT_KV_DTYPE = DType.F16;
  public static final String KV_DTYPE_DOC = "Element type of the KV cache: F16, or F32 for exact tests.";

  public EngineBuildOptions {
    if ((kvBlocks > 0) == (kvCacheMemory > 0) || kvBlocks < 0 || kvCacheMemory < 0) {
      throw new IllegalArgumentException("give exactly one of kvBlocks (" + kvBlocks + ") and kvCacheMemory ("
          + kvCacheMemory + ") as a positive number");
    }
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
    }
    if (kvDtype != DType.F16 && kvDtype != DType.F32) {
      throw new IllegalArgumentException("kvDtype must be F16 or F32, got " + kvDtype);
    }
    if (engine == null) {
      throw new IllegalArgumentException("engine options are required");
    }
  }

  /** A KV cache of exactly {@code blocks} blocks. */
  public static EngineBuildOptions ofBlocks(int blocks, EngineOptions engine) {
    return new EngineBuildOptions(blocks, 0, DEFAULT_BLOCK_SIZE, DEFAULT_KV_DTYPE, engine);
  }

  /** A KV cache of as many blocks as {@code bytes} hold; building fails if that is less than one longest sequence. */
  public static EngineBuildOptions ofBudget(long bytes, EngineOptions engine) {
    return new EngineBuildOptions(0, bytes, DEFAULT_BLOCK_SIZE, DEFAULT_KV_DTYPE, engine);
  }

  public EngineBuildOptions withBlockSize(int n) {
    return new EngineBuildOptions(kvBlocks, kvCacheMemory, n, kvDtype, engine);
  }

  public EngineBuildOptions withKvDtype(DType d) {
    return new EngineBuildOptions(kvBlocks, kvCacheMemory, blockSize, d, engine);
  }

  /** Longest sequence (prompt and output) the engine admits. */
  public int maxModelLen() {
    return engine.scheduler().maxModelLen();
  }
}
