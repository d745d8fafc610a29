package dev.ember.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weight tensors a {@link ModelConfig} requires, by canonical (Hugging Face) name, with their
 * shapes in HF order, in checkpoint order: embeddings, then each layer, then the final norm and
 * head. Used to validate files and to create models.
 *
 * <pre>{@code for (WeightLayout.Entry e : WeightLayout.of(config).entries()) { ... } }</pre>
 */
public final class WeightLayout {
  public static final String EMBED = "model.embed_tokens.weight";
  public static final String NORM = "model.norm.weight";
  public static final String LM_HEAD = "lm_head.weight";

  /** One required tensor. */
  public record Entry(String name, long[] shape) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    public boolean matrix() {
      return shape.length == 2;
    }

    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    @Override
    public String toString() {
      return name + Arrays.toString(shape);
    }
  }

  private final Map<String, Entry> entries;

  private WeightLayout(Map<String, Entry> entries) {
    this.entries = entries;
  }

  public static WeightLayout of(ModelConfig c) {
    Map<String, Entry> m = new LinkedHashMap<>();
    long hidden = c.hiddenSize();
    long inter = c.intermediateSize();
    put(m, EMBED, c.vocabSize(), hidden);
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "model.layers." + l + ".";
      put(m, p + "input_layernorm.weight", hidden);
      put(m, p + "self_attn.q_proj.weight", c.qDim(), hidden);
      put(m, p + "self_attn.k_proj.weight", c.kvDim(), hidden);
      put(m, p + "self_attn.v_proj.weight", c.kvDim(), hidden);
      if (c.attentionBias()) {
        put(m, p + "self_attn.q_proj.bias", c.qDim());
        put(m, p + "self_attn.k_proj.bias", c.kvDim());
        put(m, p + "self_attn.v_proj.bias", c.kvDim());
      }
      put(m, p + "self_attn.o_proj.weight", hidden, c.qDim());
      put(m, p + "post_attention_layernorm.weight", hidden);
      put(m, p + "mlp.gate_proj.weight", inter, hidden);
      put(m, p + "mlp.up_proj.weight", inter, hidden);
      put(m, p + "mlp.down_proj.weight", hidden, inter);
    }
    put(m, NORM, hidden);
    if (!c.tieWordEmbeddings()) {
      put(m, LM_HEAD, c.vocabSize(), hidden);
    }
    return new WeightLayout(m);
  }

  private static void put(Map<String, Entry> m, String name, long... shape) {
    m.put(name, new Entry(name, shape));
  }

  public List<Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  /** The entry of that name, or null when the model has no such tensor. */
  public Entry get(String name) {
    return entries.get(name);
  }
}
