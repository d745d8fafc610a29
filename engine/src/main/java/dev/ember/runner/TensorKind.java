package dev.ember.runner;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The native {@code enum ember_tensor_kind} and its canonical (Hugging Face) tensor names.
 *
 * <pre>{@code TensorKind.Slot s = TensorKind.of("model.layers.3.mlp.up_proj.weight"); // UP, layer 3 }</pre>
 */
public enum TensorKind {
  EMBED(0, "model.embed_tokens.weight"),
  FINAL_NORM(1, "model.norm.weight"),
  LM_HEAD(2, "lm_head.weight"),
  ATTN_NORM(3, "input_layernorm.weight"),
  WQ(4, "self_attn.q_proj.weight"),
  WK(5, "self_attn.k_proj.weight"),
  WV(6, "self_attn.v_proj.weight"),
  WO(7, "self_attn.o_proj.weight"),
  BQ(8, "self_attn.q_proj.bias"),
  BK(9, "self_attn.k_proj.bias"),
  BV(10, "self_attn.v_proj.bias"),
  FFN_NORM(11, "post_attention_layernorm.weight"),
  GATE(12, "mlp.gate_proj.weight"),
  UP(13, "mlp.up_proj.weight"),
  DOWN(14, "mlp.down_proj.weight");

  private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");

  private final int code;
  private final String suffix;

  TensorKind(int code, String suffix) {
    this.code = code;
    this.suffix = suffix;
  }

  /** The native code. */
  public int code() {
    return code;
  }

  /** True for weight matrices (as opposed to norm weights and biases, which the library copies). */
  public boolean matrix() {
    return switch (this) {
      case EMBED, LM_HEAD, WQ, WK, WV, WO, GATE, UP, DOWN -> true;
      default -> false;
    };
  }

  /** A tensor kind bound to a layer (layer is -1 for model-level tensors). */
  public record Slot(TensorKind kind, int layer) {}

  /** Resolves a canonical tensor name, or returns null when the name is not a forward weight. */
  public static Slot of(String name) {
    for (TensorKind k : new TensorKind[] {EMBED, FINAL_NORM, LM_HEAD}) {
      if (k.suffix.equals(name)) {
        return new Slot(k, -1);
      }
    }
    Matcher m = LAYER.matcher(name);
    if (m.matches()) {
      for (TensorKind k : values()) {
        if (k.ordinal() >= ATTN_NORM.ordinal() && k.suffix.equals(m.group(2))) {
          return new Slot(k, Integer.parseInt(m.group(1)));
        }
      }
    }
    return null;
  }
}
