package dev.ember.kernels;

import static dev.ember.kernels.EmberNative.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A tiny random f32 Qwen2-style model (2 layers, hidden 64, 4 heads, 2 KV heads, head_dim 16,
 * intermediate 96, vocab 100, q/k/v biases) built through the binding, weights in native memory.
 *
 * <pre>{@code try (TinyNativeModel m = new TinyNativeModel(7, 2, 64)) { long model = m.model(); } }</pre>
 */
final class TinyNativeModel implements AutoCloseable {
  static final int HIDDEN = 64, LAYERS = 2, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, INTERMEDIATE = 96, VOCAB = 100;

  private final List<FloatPointer> weights = new ArrayList<>();
  private final EmberConfig config = new EmberConfig();
  private final Random random;
  private final long model;

  TinyNativeModel(long seed, int threads, int maxBatchTokens) {
    random = new Random(seed);
    config.hidden_size(HIDDEN).num_layers(LAYERS).num_heads(HEADS).num_kv_heads(KV_HEADS).head_dim(HEAD_DIM)
        .intermediate_size(INTERMEDIATE).vocab_size(VOCAB).max_position(256).rms_norm_eps(1e-5f)
        .rope_theta(10000f).rope_style(EMBER_ROPE_NEOX).rope_scaling(EMBER_ROPE_SCALING_NONE)
        .tie_word_embeddings(0).attention_bias(1);
    model = ember_model_new(config, "cpu", threads, maxBatchTokens);
    if (model == 0) throw new IllegalStateException(ember_last_error());
    int qd = HEADS * HEAD_DIM, kd = KV_HEADS * HEAD_DIM;
    set(EMBER_W_EMBED, 0, VOCAB, HIDDEN, 1f);
    set(EMBER_W_FINAL_NORM, 0, 1, HIDDEN, 0f);
    set(EMBER_W_LM_HEAD, 0, VOCAB, HIDDEN, 0.2f);
    for (int l = 0; l < LAYERS; l++) {
      set(EMBER_W_ATTN_NORM, l, 1, HIDDEN, 0f);
      set(EMBER_W_WQ, l, qd, HIDDEN, 0.25f);
      set(EMBER_W_WK, l, kd, HIDDEN, 0.25f);
      set(EMBER_W_WV, l, kd, HIDDEN, 0.25f);
      set(EMBER_W_WO, l, HIDDEN, qd, 0.25f);
      set(EMBER_W_BQ, l, 1, qd, 0.5f);
      set(EMBER_W_BK, l, 1, kd, 0.5f);
      set(EMBER_W_BV, l, 1, kd, 0.5f);
      set(EMBER_W_FFN_NORM, l, 1, HIDDEN, 0f);
      set(EMBER_W_GATE, l, INTERMEDIATE, HIDDEN, 0.25f);
      set(EMBER_W_UP, l, INTERMEDIATE, HIDDEN, 0.25f);
      set(EMBER_W_DOWN, l, HIDDEN, INTERMEDIATE, 0.25f);
    }
    if (ember_model_finalize(model) != 0) throw new IllegalStateException(ember_last_error());
  }

  /** Uniform values in [-scale, scale]; scale 0 gives norm weights in [0.8, 1.2]. */
  private void set(int kind, int layer, int rows, int cols, float scale) {
    float[] values = new float[rows * cols];
    for (int i = 0; i < values.length; i++) {
      float u = random.nextFloat() * 2 - 1;
      values[i] = scale == 0 ? 1 + 0.2f * u : scale * u;
    }
    FloatPointer p = new FloatPointer(values);
    weights.add(p);
    if (ember_model_set_tensor(model, kind, layer, p.address(), EMBER_F32, rows, cols) != 0) {
      throw new IllegalStateException(ember_last_error());
    }
  }

  long model() {
    return model;
  }

  EmberConfig config() {
    return config;
  }

  @Override
  public void close() {
    ember_model_free(model);
    weights.forEach(FloatPointer::close);
    config.close();
  }
}
