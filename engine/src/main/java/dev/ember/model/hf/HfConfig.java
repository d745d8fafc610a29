package dev.ember.model.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.model.Architecture;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFormatException;
import dev.ember.model.RopeStyle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes a Hugging Face model directory's {@code config.json} (and the eos ids of
 * {@code generation_config.json}) as a {@link ModelConfig}.
 *
 * <pre>{@code ModelConfig c = HfConfig.read(dir); }</pre>
 */
public final class HfConfig {
  public static final String CONFIG = "config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private HfConfig() {}

  /** Reads {@code dir/config.json}, adding the eos ids of {@code dir/generation_config.json} when present. */
  public static ModelConfig read(Path dir) throws IOException {
    Path file = dir.resolve(CONFIG);
    JsonNode root = parse(file);
    Architecture arch = architecture(root, file);
    int hidden = requiredInt(root, "hidden_size", file);
    int heads = requiredInt(root, "num_attention_heads", file);
    int kvHeads = root.has("num_key_value_heads") ? requiredInt(root, "num_key_value_heads", file) : heads;
    int headDim = root.hasNonNull("head_dim") ? requiredInt(root, "head_dim", file) : hidden / heads;
    boolean bias = arch == Architecture.QWEN2;
    if (arch == Architecture.LLAMA && root.path("attention_bias").asBoolean(false)) {
      throw ModelFormatException.in(file, "attention_bias=true (a Llama o_proj bias, which Ember does not support)");
    }
    Set<Integer> eos = new LinkedHashSet<>(ids(root.get("eos_token_id"), "eos_token_id", file));
    int bos = root.path("bos_token_id").asInt(-1);
    Path generation = dir.resolve(GENERATION_CONFIG);
    if (Files.isRegularFile(generation)) {
      JsonNode gen = parse(generation);
      eos.addAll(ids(gen.get("eos_token_id"), "eos_token_id", generation));
      if (bos < 0) {
        bos = gen.path("bos_token_id").asInt(-1);
      }
    }
    return new ModelConfig(
        arch,
        hidden,
        requiredInt(root, "num_hidden_layers", file),
        heads,
        kvHeads,
        headDim,
        requiredInt(root, "intermediate_size", file),
        requiredInt(root, "vocab_size", file),
        requiredInt(root, "max_position_embeddings", file),
        requiredDouble(root, "rms_norm_eps", file),
        root.path("rope_theta").asDouble(10000.0),
        ropeScaling(root.get("rope_scaling"), file),
        RopeStyle.NEOX,
        root.path("tie_word_embeddings").asBoolean(false),
        bias,
        bos,
        new ArrayList<>(eos));
  }

  /** Writes {@code config.json} and {@code generation_config.json} describing weights stored as {@code dtype}. */
  public static void write(ModelConfig c, DType dtype, Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.putArray("architectures").add(c.architecture().hfClass());
    root.put("model_type", c.architecture().ggufName());
    root.put("hidden_size", c.hiddenSize());
    root.put("num_hidden_layers", c.numLayers());
    root.put("num_attention_heads", c.numHeads());
    root.put("num_key_value_heads", c.numKvHeads());
    root.put("head_dim", c.headDim());
    root.put("intermediate_size", c.intermediateSize());
    root.put("vocab_size", c.vocabSize());
    root.put("max_position_embeddings", c.maxPositionEmbeddings());
    root.put("rms_norm_eps", c.rmsNormEps());
    root.put("rope_theta", c.ropeTheta());
    if (c.ropeScaling() == null) {
      root.putNull("rope_scaling");
    } else {
      ObjectNode s = root.putObject("rope_scaling");
      s.put("rope_type", "llama3");
      s.put("factor", c.ropeScaling().factor());
      s.put("low_freq_factor", c.ropeScaling().lowFreqFactor());
      s.put("high_freq_factor", c.ropeScaling().highFreqFactor());
      s.put("original_max_position_embeddings", c.ropeScaling().originalMaxPositionEmbeddings());
    }
    root.put("tie_word_embeddings", c.tieWordEmbeddings());
    if (c.architecture() == Architecture.LLAMA) {
      root.put("attention_bias", false);
    }
    root.put("hidden_act", "silu");
    root.put("torch_dtype", torchDtype(dtype));
    putIds(root, c);
    Files.writeString(dir.resolve(CONFIG), JSON.writeValueAsString(root));

    ObjectNode gen = JSON.createObjectNode();
    putIds(gen, c);
    Files.writeString(dir.resolve(GENERATION_CONFIG), JSON.writeValueAsString(gen));
  }

  private static void putIds(ObjectNode node, ModelConfig c) {
    if (c.bosTokenId() >= 0) {
      node.put("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenIds().size() == 1) {
      node.put("eos_token_id", c.eosTokenIds().get(0));
    } else if (!c.eosTokenIds().isEmpty()) {
      ArrayNode a = node.putArray("eos_token_id");
      c.eosTokenIds().forEach(a::add);
    }
  }

  private static String torchDtype(DType dtype) {
    return switch (dtype) {
      case F32 -> "float32";
      case F16 -> "float16";
      case BF16 -> "bfloat16";
      case Q8_0, Q4_0 -> throw new IllegalArgumentException("HF safetensors holds f32, f16 or bf16, not " + dtype);
    };
  }

  private static JsonNode parse(Path file) throws IOException {
    try {
      JsonNode node = JSON.readTree(Files.readString(file));
      if (node == null || !node.isObject()) {
        throw ModelFormatException.in(file, "not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new ModelFormatException("invalid JSON in " + file + ": " + e.getOriginalMessage(), e);
    }
  }

  private static Architecture architecture(JsonNode root, Path file) throws ModelFormatException {
    JsonNode list = root.get("architectures");
    if (list == null || !list.isArray() || list.isEmpty()) {
      throw ModelFormatException.in(file, "missing field architectures");
    }
    String name = list.get(0).asText();
    for (Architecture a : Architecture.values()) {
      if (a.hfClass().equals(name)) {
        return a;
      }
    }
    throw ModelFormatException.in(file, "unknown architecture " + name);
  }

  private static int requiredInt(JsonNode root, String field, Path file) throws ModelFormatException {
    JsonNode n = root.get(field);
    if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
      throw ModelFormatException.in(file, (n == null ? "missing field " : "non-integer field ") + field);
    }
    return n.intValue();
  }

  private static double requiredDouble(JsonNode root, String field, Path file) throws ModelFormatException {
    JsonNode n = root.get(field);
    if (n == null || !n.isNumber()) {
      throw ModelFormatException.in(file, (n == null ? "missing field " : "non-numeric field ") + field);
    }
    return n.doubleValue();
  }

  private static List<Integer> ids(JsonNode n, String field, Path file) throws ModelFormatException {
    List<Integer> ids = new ArrayList<>();
    if (n == null || n.isNull()) {
      return ids;
    }
    if (n.isIntegralNumber()) {
      ids.add(n.intValue());
      return ids;
    }
    if (n.isArray()) {
      for (JsonNode e : n) {
        if (!e.isIntegralNumber()) {
          throw ModelFormatException.in(file, "non-integer entry in field " + field);
        }
        ids.add(e.intValue());
      }
      return ids;
    }
    throw ModelFormatException.in(file, "field " + field + " is neither an integer nor a list");
  }

  private static ModelConfig.RopeScaling ropeScaling(JsonNode n, Path file) throws ModelFormatException {
    if (n == null || n.isNull()) {
      return null;
    }
    String type = n.hasNonNull("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("");
    if (!type.equals("llama3")) {
      throw ModelFormatException.in(file, "unsupported rope_scaling type '" + type + "' (only llama3)");
    }
    return new ModelConfig.RopeScaling(
        requiredDouble(n, "factor", file),
        requiredDouble(n, "low_freq_factor", file),
        requiredDouble(n, "high_freq_factor", file),
        requiredInt(n, "original_max_position_embeddings", file));
  }
}
