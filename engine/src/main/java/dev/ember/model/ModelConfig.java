package dev.ember.model;

import java.util.List;

/**
 * The hyper-parameters of a Llama/Qwen2 model, read from HF {@code config.json} or GGUF metadata.
 *
 * @param ropeScaling llama3 rope scaling, or null when the model has none
 * @param eosTokenIds end-of-sequence ids (config.json / generation_config.json / GGUF); may be empty
 */
public record ModelConfig(
    Architecture architecture,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int intermediateSize,
    int vocabSize,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    RopeStyle ropeStyle,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    int bosTokenId,
    List<Integer> eosTokenIds) {

  /** Llama 3 style frequency-dependent RoPE scaling ({@code rope_type: "llama3"}). */
  public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {}

  public ModelConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Query projection width: heads times head dim. */
  public int qDim() {
    return numHeads * headDim;
  }

  /** Key/value projection width: KV heads times head dim. */
  public int kvDim() {
    return numKvHeads * headDim;
  }
}
