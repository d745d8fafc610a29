package dev.ember.model.gguf;

import dev.ember.model.Architecture;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFormatException;
import dev.ember.model.RopeStyle;
import dev.ember.model.TensorInfo;
import dev.ember.tokenizer.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Interprets a parsed {@link GgufFile} as a Llama/Qwen2 model: its {@link ModelConfig} from the
 * {@code {arch}.*} metadata, its tensors under canonical HF names with absolute offsets, and its
 * byte-level BPE {@link Vocabulary} from {@code tokenizer.ggml.*}.
 *
 * <pre>{@code GgufFile g = GgufReader.read(path); ModelConfig c = GgufModel.config(g); }</pre>
 */
public final class GgufModel {
  /** Llama 3 rope scaling assumed when a file has {@code rope_freqs.weight} but no scaling keys. */
  public static final ModelConfig.RopeScaling DEFAULT_LLAMA3_SCALING = new ModelConfig.RopeScaling(8, 1, 4, 8192);

  private GgufModel() {}

  public static ModelConfig config(GgufFile g) throws ModelFormatException {
    Path file = g.path();
    String archName = string(g, "general.architecture");
    Architecture arch = null;
    for (Architecture a : Architecture.values()) {
      if (a.ggufName().equals(archName)) {
        arch = a;
      }
    }
    if (arch == null) {
      throw ModelFormatException.in(file, "unknown architecture " + archName);
    }
    String p = archName + ".";
    int hidden = integer(g, p + "embedding_length");
    int heads = integer(g, p + "attention.head_count");
    int kvHeads = g.get(p + "attention.head_count_kv") != null ? integer(g, p + "attention.head_count_kv") : heads;
    int headDim = g.get(p + "attention.key_length") != null ? integer(g, p + "attention.key_length")
        : g.get(p + "rope.dimension_count") != null ? integer(g, p + "rope.dimension_count") : hidden / heads;
    boolean tied = true;
    boolean bias = false;
    boolean ropeFreqs = false;
    int embedRows = -1;
    for (GgufTensor t : g.tensors()) {
      tied &= !t.name().equals("output.weight");
      bias |= t.name().endsWith(".attn_q.bias");
      ropeFreqs |= t.name().equals(GgufNames.ROPE_FREQS);
      if (t.name().equals("token_embd.weight") && t.ne().length == 2) {
        embedRows = (int) t.ne()[1];
      }
    }
    int vocab;
    if (g.get(p + "vocab_size") != null) {
      vocab = integer(g, p + "vocab_size");
    } else if (g.get("tokenizer.ggml.tokens") != null) {
      vocab = g.get("tokenizer.ggml.tokens").asArray().values().size();
    } else if (embedRows > 0) {
      vocab = embedRows;
    } else {
      throw ModelFormatException.in(file, "missing metadata key " + p + "vocab_size (and no token list)");
    }
    ModelConfig.RopeScaling scaling = null;
    if (ropeFreqs) {
      ModelConfig.RopeScaling d = DEFAULT_LLAMA3_SCALING;
      scaling = new ModelConfig.RopeScaling(
          real(g, p + "rope.scaling.factor", d.factor()),
          real(g, p + "rope.scaling.low_freq_factor", d.lowFreqFactor()),
          real(g, p + "rope.scaling.high_freq_factor", d.highFreqFactor()),
          g.get(p + "rope.scaling.original_context_length") != null
              ? integer(g, p + "rope.scaling.original_context_length") : d.originalMaxPositionEmbeddings());
    }
    int bos = g.get("tokenizer.ggml.bos_token_id") != null ? integer(g, "tokenizer.ggml.bos_token_id") : -1;
    List<Integer> eos = new ArrayList<>();
    for (String key : List.of("tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id")) {
      if (g.get(key) != null && !eos.contains(integer(g, key))) {
        eos.add(integer(g, key));
      }
    }
    return new ModelConfig(
        arch,
        hidden,
        integer(g, p + "block_count"),
        heads,
        kvHeads,
        headDim,
        integer(g, p + "feed_forward_length"),
        vocab,
        integer(g, p + "context_length"),
        real(g, p + "attention.layer_norm_rms_epsilon", Double.NaN),
        real(g, p + "rope.freq_base", 10000.0),
        scaling,
        arch == Architecture.LLAMA ? RopeStyle.INTERLEAVED : RopeStyle.NEOX,
        tied,
        bias,
        bos,
        eos);
  }

  /**
   * The file's tensors with canonical HF names (unknown names kept as stored, for the validator to
   * report), absolute offsets and byte lengths from dtype and shape; {@code rope_freqs.weight} is left out.
   */
  public static List<TensorInfo> tensors(GgufFile g) throws ModelFormatException {
    List<TensorInfo> out = new ArrayList<>();
    for (GgufTensor t : g.tensors()) {
      if (t.name().equals(GgufNames.ROPE_FREQS)) {
        continue;
      }
      DType dtype = GgufTensor.dtypeOf(t.ggmlType());
      if (dtype == null) {
        throw ModelFormatException.in(g.path(), "unsupported dtype (ggml type " + t.ggmlType() + ") for tensor " + t.name());
      }
      String hf = GgufNames.toHf(t.name());
      long elements = 1;
      for (long d : t.ne()) {
        elements *= d;
      }
      if (dtype.quantized() && t.ne()[0] % DType.BLOCK != 0) {
        throw ModelFormatException.in(g.path(), "tensor " + (hf == null ? t.name() : hf) + " is " + dtype + " but its rows of " + t.ne()[0] + " values are not whole 32-value blocks");
      }
      out.add(new TensorInfo(hf == null ? t.name() : hf, dtype, t.shape(), g.path(), g.dataStart() + t.offset(), dtype.bytes(elements)));
    }
    return out;
  }

  /** The file's vocabulary when its tokenizer is byte-level BPE ({@code tokenizer.ggml.model = gpt2}). */
  public static Optional<Vocabulary> vocabulary(GgufFile g) throws ModelFormatException {
    if (vocabularyUnavailableReason(g).isPresent()) {
      return Optional.empty();
    }
    List<String> tokens = strings(g, "tokenizer.ggml.tokens");
    List<Integer> types = new ArrayList<>();
    if (g.get("tokenizer.ggml.token_type") != null) {
      for (Object o : array(g, "tokenizer.ggml.token_type").values()) {
        types.add(((Number) o).intValue());
      }
    } else {
      tokens.forEach(t -> types.add(Vocabulary.TYPE_NORMAL));
    }
    if (types.size() != tokens.size()) {
      throw ModelFormatException.in(g.path(), "tokenizer.ggml.token_type has " + types.size() + " entries for " + tokens.size() + " tokens");
    }
    List<String> merges = g.get("tokenizer.ggml.merges") != null ? strings(g, "tokenizer.ggml.merges") : List.of();
    return Optional.of(new Vocabulary(
        tokens,
        types,
        merges,
        g.get("tokenizer.ggml.bos_token_id") != null ? integer(g, "tokenizer.ggml.bos_token_id") : -1,
        g.get("tokenizer.ggml.eos_token_id") != null ? integer(g, "tokenizer.ggml.eos_token_id") : -1,
        g.get("tokenizer.ggml.pre") != null ? string(g, "tokenizer.ggml.pre") : "gpt2",
        g.get("tokenizer.chat_template") != null ? string(g, "tokenizer.chat_template") : null));
  }

  /** Why the file has no usable vocabulary, or empty when {@link #vocabulary} returns one. */
  public static Optional<String> vocabularyUnavailableReason(GgufFile g) throws ModelFormatException {
    if (g.get("tokenizer.ggml.model") == null) {
      return Optional.of("no tokenizer.ggml.model in " + g.path());
    }
    String model = string(g, "tokenizer.ggml.model");
    if (!model.equals("gpt2")) {
      return Optional.of("tokenizer.ggml.model '" + model + "' in " + g.path() + " is not supported (only 'gpt2' byte-level BPE)");
    }
    if (g.get("tokenizer.ggml.tokens") == null) {
      return Optional.of("no tokenizer.ggml.tokens in " + g.path());
    }
    return Optional.empty();
  }

  private static GgufValue required(GgufFile g, String key) throws ModelFormatException {
    GgufValue v = g.get(key);
    if (v == null) {
      throw ModelFormatException.in(g.path(), "missing metadata key " + key);
    }
    return v;
  }

  private static int integer(GgufFile g, String key) throws ModelFormatException {
    GgufValue v = required(g, key);
    if (!(v.value() instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
      throw ModelFormatException.in(g.path(), "metadata key " + key + " is not a 32-bit integer");
    }
    return l.intValue();
  }

  private static double real(GgufFile g, String key, double fallback) throws ModelFormatException {
    GgufValue v = g.get(key);
    if (v == null && !Double.isNaN(fallback)) {
      return fallback;
    }
    v = required(g, key);
    if (!(v.value() instanceof Number n)) {
      throw ModelFormatException.in(g.path(), "metadata key " + key + " is not a number");
    }
    return n.doubleValue();
  }

  private static String string(GgufFile g, String key) throws ModelFormatException {
    GgufValue v = required(g, key);
    if (!(v.value() instanceof String s)) {
      throw ModelFormatException.in(g.path(), "metadata key " + key + " is not a string");
    }
    return s;
  }

  private static GgufValue.Array array(GgufFile g, String key) throws ModelFormatException {
    GgufValue v = required(g, key);
    if (!(v.value() instanceof GgufValue.Array a)) {
      throw ModelFormatException.in(g.path(), "metadata key " + key + " is not an array");
    }
    return a;
  }

  private static List<String> strings(GgufFile g, String key) throws ModelFormatException {
    GgufValue.Array a = array(g, key);
    if (a.elementType() != GgufType.STRING) {
      throw ModelFormatException.in(g.path(), "metadata key " + key + " is not an array of strings");
    }
    List<String> out = new ArrayList<>(a.values().size());
    for (Object o : a.values()) {
      out.add((String) o);
    }
    return out;
  }
}
