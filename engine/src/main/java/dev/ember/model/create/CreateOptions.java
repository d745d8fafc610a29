package dev.ember.model.create;

import dev.ember.model.DType;
import dev.ember.model.ModelFormat;
import dev.ember.model.safetensors.SafetensorsWriter;

/**
 * What {@link ModelCreator} generates.
 *
 * <pre>{@code new CreateOptions(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0, 42, CreateOptions.DEFAULT_MAX_SHARD_BYTES) }</pre>
 *
 * @param dtype the type of weight matrices: f32, f16 or bf16 for HF (every tensor); also q8_0 and
 *     q4_0 for GGUF, where norms and biases stay f32 as llama.cpp keeps them
 * @param seed the random seed; the same seed gives the same weights in either format
 * @param maxShardBytes HF only: safetensors data above this is split into shards with an index
 */
public record CreateOptions(ModelShape shape, ModelFormat format, DType dtype, long seed, long maxShardBytes) {
  public static final long DEFAULT_SEED = 0;
  public static final DType DEFAULT_HF_DTYPE = DType.BF16;
  public static final DType DEFAULT_GGUF_DTYPE = DType.Q8_0;
  public static final long DEFAULT_MAX_SHARD_BYTES = SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES;

  public CreateOptions {
    if (format == ModelFormat.HF && dtype.quantized()) {
      throw new IllegalArgumentException("HF safetensors holds f32, f16 or bf16, not " + dtype + " (use --format gguf)");
    }
    if (maxShardBytes <= 0) {
      throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
    }
  }

  /** Options with the default dtype of the format, seed 0 and default shard size. */
  public static CreateOptions defaults(ModelShape shape, ModelFormat format) {
    return new CreateOptions(shape, format, format == ModelFormat.HF ? DEFAULT_HF_DTYPE : DEFAULT_GGUF_DTYPE, DEFAULT_SEED, DEFAULT_MAX_SHARD_BYTES);
  }
}
