package dev.ember.model;

/** Which dimensions RoPE rotates together; the native code of each is {@link #ordinal()}. */
public enum RopeStyle {
  /** HF "rotate_half": pairs (i, i + headDim/2). HF checkpoints of both families, GGUF qwen2. */
  NEOX,
  /** Pairs (2i, 2i+1): GGUF {@code llama} files, whose q/k rows llama.cpp's converter permuted. */
  INTERLEAVED
}
