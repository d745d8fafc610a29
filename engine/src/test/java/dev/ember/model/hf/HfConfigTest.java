package dev.ember.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.model.Architecture;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFormatException;
import dev.ember.model.RopeStyle;
import dev.ember.model.create.ModelShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {
  @TempDir Path dir;

  private ModelConfig read(String json) throws IOException {
    Files.writeString(dir.resolve(HfConfig.CONFIG), json);
    return HfConfig.read(dir);
  }

  private static final String LLAMA = """
      {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "num_hidden_layers": 32,
       "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
       "vocab_size": 128256, "max_position_embeddings": 131072, "rms_norm_eps": 1e-5,
       "rope_theta": 500000.0, "bos_token_id": 128000, "eos_token_id": [128001, 128009],
       "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                        "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}%s}
      """;

  @Test
  void readsLlama3ConfigWithDefaultsAndScaling() throws IOException {
    ModelConfig c = read(LLAMA.formatted(""));
    assertEquals(Architecture.LLAMA, c.architecture());
    assertEquals(128, c.headDim());
    assertEquals(8, c.numKvHeads());
    assertEquals(new ModelConfig.RopeScaling(8, 1, 4, 8192), c.ropeScaling());
    assertEquals(RopeStyle.NEOX, c.ropeStyle());
    assertFalse(c.tieWordEmbeddings());
    assertFalse(c.attentionBias());
    assertEquals(128000, c.bosTokenId());
    assertEquals(List.of(128001, 128009), c.eosTokenIds());
  }

  @Test
  void addsEosIdsOfGenerationConfig() throws IOException {
    Files.writeString(dir.resolve(HfConfig.GENERATION_CONFIG), "{\"eos_token_id\": [128008, 128009]}");
    assertEquals(List.of(128001, 128009, 128008), read(LLAMA.formatted("")).eosTokenIds());
  }

  @Test
  void rejectsLlamaAttentionBias() {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> read(LLAMA.formatted(", \"attention_bias\": true")));
    assertTrue(e.getMessage().contains("attention_bias") && e.getMessage().contains(dir.resolve("config.json").toString()), e.getMessage());
  }

  @Test
  void rejectsUnknownArchitectureNamingItAndTheFile() {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> read(LLAMA.formatted("").replace("LlamaForCausalLM", "MistralForCausalLM")));
    assertEquals("unknown architecture MistralForCausalLM in " + dir.resolve("config.json"), e.getMessage());
  }

  @Test
  void rejectsMissingField() {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> read(LLAMA.formatted("").replace("\"hidden_size\": 4096,", "")));
    assertEquals("missing field hidden_size in " + dir.resolve("config.json"), e.getMessage());
  }

  @Test
  void qwen2AlwaysHasAttentionBias() throws IOException {
    ModelConfig c = read("""
        {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "num_hidden_layers": 24,
         "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864,
         "vocab_size": 151936, "max_position_embeddings": 32768, "rms_norm_eps": 1e-6,
         "rope_theta": 1000000.0, "tie_word_embeddings": true, "eos_token_id": 151643, "rope_scaling": null}
        """);
    assertTrue(c.attentionBias());
    assertTrue(c.tieWordEmbeddings());
    assertEquals(64, c.headDim());
    assertEquals(List.of(151643), c.eosTokenIds());
    assertNull(c.ropeScaling());
  }

  @Test
  void writtenConfigReadsBackEqual() throws IOException {
    ModelConfig c = ModelShape.R1_DISTILL_LLAMA_8B.config(1, List.of(2, 3));
    HfConfig.write(c, DType.BF16, dir);
    assertEquals(c, HfConfig.read(dir));
  }
}
