package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import dev.ember.model.ModelConfig;

/**
 * Fills the native {@code ember_config} struct from a {@link ModelConfig}; every field of the struct is set
 * (NativeOrdinalsTest checks this and the codes against ember.h through the binding).
 */
final class NativeConfig {
  private NativeConfig() {}

  static EmberNative.EmberConfig of(ModelConfig c) {
    EmberNative.EmberConfig n = new EmberNative.EmberConfig();
    n.hidden_size(c.hiddenSize())
        .num_layers(c.numLayers())
        .num_heads(c.numHeads())
        .num_kv_heads(c.numKvHeads())
        .head_dim(c.headDim())
        .intermediate_size(c.intermediateSize())
        .vocab_size(c.vocabSize())
        .max_position(c.maxPositionEmbeddings())
        .rms_norm_eps((float) c.rmsNormEps())
        .rope_theta((float) c.ropeTheta())
        .rope_style(c.ropeStyle().ordinal())
        .tie_word_embeddings(c.tieWordEmbeddings() ? 1 : 0)
        .attention_bias(c.attentionBias() ? 1 : 0);
    ModelConfig.RopeScaling s = c.ropeScaling();
    if (s != null) {
      n.rope_scaling(EmberNative.EMBER_ROPE_SCALING_LLAMA3)
          .rope_factor((float) s.factor())
          .rope_low_freq_factor((float) s.lowFreqFactor())
          .rope_high_freq_factor((float) s.highFreqFactor())
          .rope_original_max_position(s.originalMaxPositionEmbeddings());
    } else {
      n.rope_scaling(EmberNative.EMBER_ROPE_SCALING_NONE);
    }
    return n;
  }
}
