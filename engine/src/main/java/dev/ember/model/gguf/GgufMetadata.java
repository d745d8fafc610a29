package dev.ember.model.gguf;

import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.tokenizer.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the GGUF metadata llama.cpp expects for a Llama/Qwen2 model: {@code general.*},
 * {@code {arch}.*} hyper-parameters and the byte-level BPE vocabulary as {@code tokenizer.ggml.*}.
 * A vocabulary shorter than the model's is padded with unused {@code [PADn]} tokens, as llama.cpp's
 * converter does.
 *
 * <pre>{@code Map<String, GgufValue> m = GgufMetadata.of(config, vocabulary, DType.Q8_0, "tiny"); }</pre>
 */
public final class GgufMetadata {
  /** llama.cpp's token type for padding entries. */
  public static final int TYPE_UNUSED = 5;

  private GgufMetadata() {}

  public static Map<String, GgufValue> of(ModelConfig c, Vocabulary v, DType matrixType, String name) {
    if (v.tokens().size() > c.vocabSize()) {
      throw new IllegalArgumentException("vocabulary of " + v.tokens().size() + " tokens exceeds the model's vocab size " + c.vocabSize());
    }
    String p = c.architecture().ggufName() + ".";
    Map<String, GgufValue> m = new LinkedHashMap<>();
    m.put("general.architecture", GgufValue.string(c.architecture().ggufName()));
    m.put("general.name", GgufValue.string(name));
    m.put("general.file_type", GgufValue.u32(fileType(matrixType)));
    m.put(p + "vocab_size", GgufValue.u32(c.vocabSize()));
    m.put(p + "context_length", GgufValue.u32(c.maxPositionEmbeddings()));
    m.put(p + "embedding_length", GgufValue.u32(c.hiddenSize()));
    m.put(p + "block_count", GgufValue.u32(c.numLayers()));
    m.put(p + "feed_forward_length", GgufValue.u32(c.intermediateSize()));
    m.put(p + "attention.head_count", GgufValue.u32(c.numHeads()));
    m.put(p + "attention.head_count_kv", GgufValue.u32(c.numKvHeads()));
    m.put(p + "attention.key_length", GgufValue.u32(c.headDim()));
    m.put(p + "attention.value_length", GgufValue.u32(c.headDim()));
    m.put(p + "attention.layer_norm_rms_epsilon", GgufValue.f32((float) c.rmsNormEps()));
    m.put(p + "rope.freq_base", GgufValue.f32((float) c.ropeTheta()));
    m.put(p + "rope.dimension_count", GgufValue.u32(c.headDim()));

    List<String> tokens = new ArrayList<>(v.tokens());
    List<Long> types = new ArrayList<>();
    v.tokenTypes().forEach(t -> types.add((long) t));
    for (int i = tokens.size(); i < c.vocabSize(); i++) {
      tokens.add("[PAD" + i + "]");
      types.add((long) TYPE_UNUSED);
    }
    m.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
    m.put("tokenizer.ggml.pre", GgufValue.string(v.preTokenizer()));
    m.put("tokenizer.ggml.tokens", GgufValue.array(GgufType.STRING, tokens));
    m.put("tokenizer.ggml.token_type", GgufValue.array(GgufType.INT32, types));
    m.put("tokenizer.ggml.merges", GgufValue.array(GgufType.STRING, v.merges()));
    if (v.bosTokenId() >= 0) {
      m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(v.bosTokenId()));
    }
    if (v.eosTokenId() >= 0) {
      m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(v.eosTokenId()));
    }
    if (v.chatTemplate() != null) {
      m.put("tokenizer.chat_template", GgufValue.string(v.chatTemplate()));
    }
    return m;
  }

  /** llama.cpp's {@code general.file_type} code of a file whose matrices are {@code t}. */
  static int fileType(DType t) {
    return switch (t) {
      case F32 -> 0;
      case F16 -> 1;
      case Q4_0 -> 2;
      case Q8_0 -> 7;
      case BF16 -> 32;
    };
  }
}
