package dev.ember.kernels;

import static dev.ember.kernels.EmberNative.EMBER_ROPE_NEOX;
import static dev.ember.kernels.EmberNative.EMBER_ROPE_SCALING_NONE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative.EmberConfig;
import org.junit.jupiter.api.Test;

/**
 * The binding has no exception wrapper ({@code @NoException}), so a C++ exception escaping the library
 * would terminate the JVM: an allocation the machine cannot make comes back as an error instead.
 */
class NativeErrorsTest {

  private static EmberConfig config(int layers) {
    return new EmberConfig().hidden_size(64).num_layers(layers).num_heads(4).num_kv_heads(2).head_dim(16)
        .intermediate_size(96).vocab_size(100).max_position(256).rms_norm_eps(1e-5f).rope_theta(10000f)
        .rope_style(EMBER_ROPE_NEOX).rope_scaling(EMBER_ROPE_SCALING_NONE).tie_word_embeddings(0).attention_bias(0);
  }

  @Test
  void aModelTooLargeToAllocateIsAnErrorAndTheJvmCarriesOn() {
    // 2^31 layers need ~800 GB of per-layer bookkeeping in one allocation, far beyond this machine.
    try (EmberConfig huge = config(Integer.MAX_VALUE)) {
      assertEquals(0, EmberNative.ember_model_new(huge, "cpu", 1, 16));
      String error = EmberNative.ember_last_error();
      assertTrue(error.contains("ember_model_new") && error.contains("out of memory"), error);
    }
    try (EmberConfig small = config(2)) {
      long model = EmberNative.ember_model_new(small, "cpu", 1, 16);
      assertNotEquals(0, model, "the library still works after the failure");
      EmberNative.ember_model_free(model);
    }
  }
}
