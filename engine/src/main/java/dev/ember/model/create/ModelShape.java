package dev.ember.model.create;

import dev.ember.model.Architecture;
import dev.ember.model.ModelConfig;
import dev.ember.model.RopeStyle;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The model shapes {@code ember model create} can generate: two tiny test models and the
 * hyper-parameters of real checkpoints (so random-weight stand-ins have the real cost).
 *
 * <pre>{@code ModelConfig c = ModelShape.parse("tiny").config(1, List.of(2)); }</pre>
 */
public enum ModelShape {
  TINY("tiny", Architecture.QWEN2, 64, 2, 4, 2, 16, 128, 1024, true, 1e6, 2048, 1e-6, null),
  TINY_LLAMA("tiny-llama", Architecture.LLAMA, 64, 2, 4, 2, 16, 160, 1024, false, 1e4, 2048, 1e-5, null),
  QWEN2_5_0_5B("qwen2.5-0.5b", Architecture.QWEN2, 896, 24, 14, 2, 64, 4864, 151936, true, 1e6, 32768, 1e-6, null),
  R1_DISTILL_QWEN_1_5B("r1-distill-qwen-1.5b", Architecture.QWEN2, 1536, 28, 12, 2, 128, 8960, 151936, false, 1e4, 131072, 1e-6, null),
  LLAMA_2_7B("llama-2-7b", Architecture.LLAMA, 4096, 32, 32, 32, 128, 11008, 32000, false, 1e4, 4096, 1e-5, null),
  R1_DISTILL_LLAMA_8B("r1-distill-llama-8b", Architecture.LLAMA, 4096, 32, 32, 8, 128, 14336, 128256, false, 5e5, 131072, 1e-5,
      new ModelConfig.RopeScaling(8, 1, 4, 8192));

  private final String id;
  private final Architecture architecture;
  private final int hidden;
  private final int layers;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int intermediate;
  private final int vocab;
  private final boolean tied;
  private final double ropeTheta;
  private final int maxPositions;
  private final double eps;
  private final ModelConfig.RopeScaling scaling;

  ModelShape(String id, Architecture architecture, int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate,
      int vocab, boolean tied, double ropeTheta, int maxPositions, double eps, ModelConfig.RopeScaling scaling) {
    this.id = id;
    this.architecture = architecture;
    this.hidden = hidden;
    this.layers = layers;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.intermediate = intermediate;
    this.vocab = vocab;
    this.tied = tied;
    this.ropeTheta = ropeTheta;
    this.maxPositions = maxPositions;
    this.eps = eps;
    this.scaling = scaling;
  }

  /** The CLI name, e.g. {@code qwen2.5-0.5b}. */
  public String id() {
    return id;
  }

  public int vocabSize() {
    return vocab;
  }

  /** The HF-style config of this shape (rope style NEOX) with the given special token ids. */
  public ModelConfig config(int bosTokenId, List<Integer> eosTokenIds) {
    return new ModelConfig(architecture, hidden, layers, heads, kvHeads, headDim, intermediate, vocab, maxPositions, eps,
        ropeTheta, scaling, RopeStyle.NEOX, tied, architecture == Architecture.QWEN2, bosTokenId, eosTokenIds);
  }

  public static ModelShape parse(String id) {
    for (ModelShape s : values()) {
      if (s.id.equalsIgnoreCase(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown model shape '" + id + "' (expected one of "
        + Arrays.stream(values()).map(ModelShape::id).collect(Collectors.joining(", ")) + ")");
  }

  @Override
  public String toString() {
    return id;
  }
}
