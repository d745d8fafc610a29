package dev.ember.model.gguf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps llama.cpp's GGUF tensor names to the canonical Hugging Face names and back, e.g.
 * {@code blk.3.ffn_up.weight <-> model.layers.3.mlp.up_proj.weight}.
 *
 * <pre>{@code String hf = GgufNames.toHf("token_embd.weight"); // model.embed_tokens.weight }</pre>
 */
public final class GgufNames {
  /** llama.cpp's per-dimension RoPE frequency factors (Llama 3.1); not a weight. */
  public static final String ROPE_FREQS = "rope_freqs.weight";

  private static final Map<String, String> GLOBAL = Map.of(
      "token_embd.weight", "model.embed_tokens.weight",
      "output_norm.weight", "model.norm.weight",
      "output.weight", "lm_head.weight");
  private static final Map<String, String> LAYER = Map.ofEntries(
      Map.entry("attn_norm.weight", "input_layernorm.weight"),
      Map.entry("attn_q.weight", "self_attn.q_proj.weight"),
      Map.entry("attn_k.weight", "self_attn.k_proj.weight"),
      Map.entry("attn_v.weight", "self_attn.v_proj.weight"),
      Map.entry("attn_q.bias", "self_attn.q_proj.bias"),
      Map.entry("attn_k.bias", "self_attn.k_proj.bias"),
      Map.entry("attn_v.bias", "self_attn.v_proj.bias"),
      Map.entry("attn_output.weight", "self_attn.o_proj.weight"),
      Map.entry("ffn_norm.weight", "post_attention_layernorm.weight"),
      Map.entry("ffn_gate.weight", "mlp.gate_proj.weight"),
      Map.entry("ffn_up.weight", "mlp.up_proj.weight"),
      Map.entry("ffn_down.weight", "mlp.down_proj.weight"));
  private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");
  private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

  private GgufNames() {}

  /** The HF name of a GGUF tensor name, or null when it is not one Ember knows. */
  public static String toHf(String gguf) {
    String global = GLOBAL.get(gguf);
    if (global != null) {
      return global;
    }
    Matcher m = GGUF_LAYER.matcher(gguf);
    if (m.matches() && LAYER.containsKey(m.group(2))) {
      return "model.layers." + m.group(1) + "." + LAYER.get(m.group(2));
    }
    return null;
  }

  /** The GGUF name of an HF tensor name; throws for names outside the Llama/Qwen2 layout. */
  public static String toGguf(String hf) {
    for (Map.Entry<String, String> e : GLOBAL.entrySet()) {
      if (e.getValue().equals(hf)) {
        return e.getKey();
      }
    }
    Matcher m = HF_LAYER.matcher(hf);
    if (m.matches()) {
      for (Map.Entry<String, String> e : LAYER.entrySet()) {
        if (e.getValue().equals(m.group(2))) {
          return "blk." + m.group(1) + "." + e.getKey();
        }
      }
    }
    throw new IllegalArgumentException("no GGUF name for tensor " + hf);
  }
}
