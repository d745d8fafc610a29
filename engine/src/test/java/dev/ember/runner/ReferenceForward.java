package dev.ember.runner;

import dev.ember.model.ModelConfig;
import dev.ember.model.RopeStyle;
import java.util.function.Function;

/**
 * A deliberately simple float64 forward of the Llama/Qwen2 architecture, written straight from the
 * model definition (no cache, full causal attention recomputed), to check the native forward against.
 * Weights come as dequantized values in Hugging Face layout, by canonical tensor name.
 *
 * <pre>{@code double[][] logits = new ReferenceForward(config, weights::get).logits(tokens); }</pre>
 */
final class ReferenceForward {
  private final ModelConfig c;
  private final Function<String, double[]> w;

  ReferenceForward(ModelConfig config, Function<String, double[]> weights) {
    this.c = config;
    this.w = weights;
  }

  /** Logits of every position of the token sequence: [T][vocab]. */
  double[][] logits(int[] tokens) {
    int t = tokens.length;
    int hidden = c.hiddenSize();
    double[] embed = w.apply("model.embed_tokens.weight");
    double[][] x = new double[t][hidden];
    for (int i = 0; i < t; i++) {
      System.arraycopy(embed, tokens[i] * hidden, x[i], 0, hidden);
    }
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "model.layers." + l + ".";
      double[][] h = rmsNorm(x, w.apply(p + "input_layernorm.weight"));
      double[][] q = linear(h, w.apply(p + "self_attn.q_proj.weight"), c.qDim(), bias(p + "self_attn.q_proj.bias"));
      double[][] k = linear(h, w.apply(p + "self_attn.k_proj.weight"), c.kvDim(), bias(p + "self_attn.k_proj.bias"));
      double[][] v = linear(h, w.apply(p + "self_attn.v_proj.weight"), c.kvDim(), bias(p + "self_attn.v_proj.bias"));
      for (int i = 0; i < t; i++) {
        rope(q[i], c.numHeads(), i);
        rope(k[i], c.numKvHeads(), i);
      }
      double[][] attn = attention(q, k, v);
      add(x, linear(attn, w.apply(p + "self_attn.o_proj.weight"), hidden, null));
      double[][] h2 = rmsNorm(x, w.apply(p + "post_attention_layernorm.weight"));
      double[][] gate = linear(h2, w.apply(p + "mlp.gate_proj.weight"), c.intermediateSize(), null);
      double[][] up = linear(h2, w.apply(p + "mlp.up_proj.weight"), c.intermediateSize(), null);
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < c.intermediateSize(); j++) {
          double g = gate[i][j];
          gate[i][j] = g / (1 + Math.exp(-g)) * up[i][j];
        }
      }
      add(x, linear(gate, w.apply(p + "mlp.down_proj.weight"), hidden, null));
    }
    double[][] out = rmsNorm(x, w.apply("model.norm.weight"));
    double[] head = c.tieWordEmbeddings() ? embed : w.apply("lm_head.weight");
    return linear(out, head, c.vocabSize(), null);
  }

  private double[] bias(String name) {
    return c.attentionBias() ? w.apply(name) : null;
  }

  private double[][] rmsNorm(double[][] x, double[] weight) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double ss = 0;
      for (double v : x[i]) {
        ss += v * v;
      }
      double scale = 1 / Math.sqrt(ss / x[i].length + c.rmsNormEps());
      out[i] = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        out[i][j] = x[i][j] * scale * weight[j];
      }
    }
    return out;
  }

  private static double[][] linear(double[][] x, double[] weight, int rows, double[] bias) {
    int cols = x[0].length;
    double[][] y = new double[x.length][rows];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < rows; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int k = 0; k < cols; k++) {
          s += x[i][k] * weight[o * cols + k];
        }
        y[i][o] = s;
      }
    }
    return y;
  }

  private static void add(double[][] x, double[][] y) {
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] += y[i][j];
      }
    }
  }

  private void rope(double[] v, int heads, int pos) {
    int d = c.headDim();
    for (int h = 0; h < heads; h++) {
      int base = h * d;
      for (int i = 0; i < d / 2; i++) {
        double angle = pos * inverseFrequency(i, d);
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        int a = c.ropeStyle() == RopeStyle.NEOX ? base + i : base + 2 * i;
        int b = c.ropeStyle() == RopeStyle.NEOX ? base + i + d / 2 : base + 2 * i + 1;
        double x1 = v[a];
        double x2 = v[b];
        v[a] = x1 * cos - x2 * sin;
        v[b] = x2 * cos + x1 * sin;
      }
    }
  }

  private double inverseFrequency(int i, int d) {
    double freq = Math.pow(c.ropeTheta(), -2.0 * i / d);
    ModelConfig.RopeScaling s = c.ropeScaling();
    if (s == null) {
      return freq;
    }
    double wavelen = 2 * Math.PI / freq;
    double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
    double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
    if (wavelen < highWavelen) {
      return freq;
    }
    if (wavelen > lowWavelen) {
      return freq / s.factor();
    }
    double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
        / (s.highFreqFactor() - s.lowFreqFactor());
    return (1 - smooth) * freq / s.factor() + smooth * freq;
  }

  private double[][] attention(double[][] q, double[][] k, double[][] v) {
    int t = q.length;
    int d = c.headDim();
    int group = c.numHeads() / c.numKvHeads();
    double[][] out = new double[t][c.qDim()];
    for (int i = 0; i < t; i++) {
      for (int h = 0; h < c.numHeads(); h++) {
        int kvh = h / group;
        double[] scores = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          double s = 0;
          for (int e = 0; e < d; e++) {
            s += q[i][h * d + e] * k[j][kvh * d + e];
          }
          scores[j] = s / Math.sqrt(d);
          max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          scores[j] = Math.exp(scores[j] - max);
          sum += scores[j];
        }
        for (int j = 0; j <= i; j++) {
          double p = scores[j] / sum;
          for (int e = 0; e < d; e++) {
            out[i][h * d + e] += p * v[j][kvh * d + e];
          }
        }
      }
    }
    return out;
  }
}
