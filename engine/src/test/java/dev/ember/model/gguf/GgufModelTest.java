package dev.ember.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFormatException;
import dev.ember.model.RopeStyle;
import dev.ember.model.TensorInfo;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GgufModelTest {
  private static final Path FILE = Path.of("llama31.gguf");

  private static GgufFile llama(List<GgufTensor> tensors, Map<String, GgufValue> extra) {
    Map<String, GgufValue> m = new LinkedHashMap<>();
    m.put("general.architecture", GgufValue.string("llama"));
    m.put("llama.context_length", GgufValue.u32(131072));
    m.put("llama.embedding_length", GgufValue.u32(4096));
    m.put("llama.block_count", GgufValue.u32(32));
    m.put("llama.feed_forward_length", GgufValue.u32(14336));
    m.put("llama.attention.head_count", GgufValue.u32(32));
    m.put("llama.attention.head_count_kv", GgufValue.u32(8));
    m.put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32(1e-5f));
    m.put("llama.rope.freq_base", GgufValue.f32(500000f));
    m.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
    m.put("tokenizer.ggml.tokens", GgufValue.array(GgufType.STRING, List.of("a", "b", "c")));
    m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(2));
    m.putAll(extra);
    return new GgufFile(FILE, 3, m, tensors, 32, 4096);
  }

  private static GgufTensor tensor(String name, int type, long... ne) {
    return new GgufTensor(name, ne, type, 0);
  }

  @Test
  void ropeFreqsTensorMeansLlama3ScalingWithDefaultsAndIsNotAWeight() throws ModelFormatException {
    GgufFile g = llama(List.of(tensor(GgufNames.ROPE_FREQS, 0, 64), tensor("output.weight", 8, 4096, 3)), Map.of());
    ModelConfig c = GgufModel.config(g);
    assertEquals(GgufModel.DEFAULT_LLAMA3_SCALING, c.ropeScaling());
    assertEquals(RopeStyle.INTERLEAVED, c.ropeStyle());
    assertEquals(128, c.headDim());
    assertEquals(3, c.vocabSize());
    assertFalse(c.tieWordEmbeddings());
    assertEquals(List.of(2), c.eosTokenIds());
    assertEquals(List.of("lm_head.weight"), GgufModel.tensors(g).stream().map(TensorInfo::name).toList());
  }

  @Test
  void scalingKeysOverrideDefaults() throws ModelFormatException {
    GgufFile g = llama(List.of(tensor(GgufNames.ROPE_FREQS, 0, 64)),
        Map.of("llama.rope.scaling.factor", GgufValue.f32(32f), "llama.rope.scaling.original_context_length", GgufValue.u32(4096)));
    assertEquals(new ModelConfig.RopeScaling(32, 1, 4, 4096), GgufModel.config(g).ropeScaling());
  }

  @Test
  void noRopeFreqsMeansNoScalingAndMissingOutputMeansTied() throws ModelFormatException {
    ModelConfig c = GgufModel.config(llama(List.of(), Map.of()));
    assertEquals(null, c.ropeScaling());
    assertTrue(c.tieWordEmbeddings());
  }

  @Test
  void missingKeyIsNamed() {
    Map<String, GgufValue> m = new LinkedHashMap<>(llama(List.of(), Map.of()).metadata());
    m.remove("llama.block_count");
    GgufFile g = new GgufFile(FILE, 3, m, List.of(), 32, 4096);
    ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> GgufModel.config(g));
    assertEquals("missing metadata key llama.block_count in " + FILE, e.getMessage());
  }

  @Test
  void sentencePieceTokenizerGivesNoVocabularyAndAReason() throws ModelFormatException {
    GgufFile g = llama(List.of(), Map.of("tokenizer.ggml.model", GgufValue.string("llama")));
    assertTrue(GgufModel.vocabulary(g).isEmpty());
    assertTrue(GgufModel.vocabularyUnavailableReason(g).orElseThrow().contains("'llama'"));
  }
}
