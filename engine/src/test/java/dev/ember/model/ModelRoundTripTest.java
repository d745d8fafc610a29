package dev.ember.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelCreator;
import dev.ember.model.create.ModelShape;
import dev.ember.model.create.WeightGenerator;
import dev.ember.model.gguf.QkPermutation;
import dev.ember.model.quant.TensorCodec;
import dev.ember.model.safetensors.SafetensorsWriter;
import dev.ember.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelRoundTripTest {
  @TempDir Path dir;

  /** What a value survives as after a store in {@code dtype}. */
  private static float[] stored(DType dtype, float[] values) {
    ByteBuffer b = ByteBuffer.allocate((int) dtype.bytes(values.length)).order(ByteOrder.LITTLE_ENDIAN);
    TensorCodec.encode(dtype, values, 0, values.length, b);
    float[] out = new float[values.length];
    TensorCodec.decode(dtype, b.flip(), out, 0, values.length);
    return out;
  }

  private static float[] generated(TensorInfo t) {
    return WeightGenerator.of(TestModels.SEED, t.name()).values((int) t.elements());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"TINY, F32", "TINY, BF16", "TINY_LLAMA, F16"})
  void hfModelReadsBackWithConfigNamesAndValues(ModelShape shape, DType dtype) throws IOException {
    ModelFiles m = ModelFiles.open(TestModels.create(shape, ModelFormat.HF, dtype, dir));
    assertEquals(ModelFormat.HF, m.format());
    assertEquals(shape.config(256, List.of(257)), m.config());
    List<String> expectedNames = WeightLayout.of(m.config()).entries().stream().map(WeightLayout.Entry::name).toList();
    assertEquals(expectedNames, m.tensors().stream().map(TensorInfo::name).toList());
    for (TensorInfo t : m.tensors()) {
      assertEquals(dtype, t.dtype(), t.name());
      assertArrayEquals(stored(dtype, generated(t)), TensorValues.read(t), 0f, t.name());
    }
    assertTrue(m.vocabulary().isEmpty());
    assertTrue(m.tokenizerJson().isEmpty());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"TINY, Q8_0", "TINY_LLAMA, Q4_0", "TINY, F16"})
  void ggufModelReadsBackWithConfigVocabularyAndValues(ModelShape shape, DType dtype) throws IOException {
    ModelFiles m = ModelFiles.open(TestModels.create(shape, ModelFormat.GGUF, dtype, dir));
    ModelConfig hf = shape.config(256, List.of(257));
    boolean llama = hf.architecture() == Architecture.LLAMA;
    ModelConfig expected = new ModelConfig(hf.architecture(), hf.hiddenSize(), hf.numLayers(), hf.numHeads(), hf.numKvHeads(),
        hf.headDim(), hf.intermediateSize(), hf.vocabSize(), hf.maxPositionEmbeddings(), (float) hf.rmsNormEps(), (float) hf.ropeTheta(),
        null, llama ? RopeStyle.INTERLEAVED : RopeStyle.NEOX, hf.tieWordEmbeddings(), hf.attentionBias(), 256, List.of(257));
    assertEquals(expected, m.config());
    for (TensorInfo t : m.tensors()) {
      assertEquals(t.shape().length == 2 ? dtype : DType.F32, t.dtype(), t.name());
      float[] want = generated(t);
      if (llama && (t.name().endsWith("q_proj.weight") || t.name().endsWith("k_proj.weight"))) {
        want = permuted(want, (int) t.rows(), (int) t.cols(), hf.headDim());
      }
      assertArrayEquals(stored(t.dtype(), want), TensorValues.read(t), 0f, t.name());
    }
    Vocabulary v = m.vocabulary().orElseThrow();
    Vocabulary given = TestModels.vocabulary();
    assertEquals(hf.vocabSize(), v.tokens().size());
    assertEquals(given.tokens(), v.tokens().subList(0, given.tokens().size()));
    assertEquals("[PAD258]", v.tokens().get(258));
    assertEquals(given.merges(), v.merges());
    assertEquals(given.chatTemplate(), v.chatTemplate());
    assertEquals(given.preTokenizer(), v.preTokenizer());
    assertEquals(List.of(1, 3, 5), List.of(v.tokenTypes().get(0), v.tokenTypes().get(256), v.tokenTypes().get(300)));
  }

  private static float[] permuted(float[] hf, int rows, int cols, int headDim) {
    float[] out = new float[hf.length];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(hf, (int) QkPermutation.hfRow(r, headDim) * cols, out, r * cols, cols);
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"TINY", "TINY_LLAMA"})
  void hfAndGgufOfOneSeedHoldTheSameWeights(ModelShape shape) throws IOException {
    ModelFiles hf = ModelFiles.open(TestModels.create(shape, ModelFormat.HF, DType.F32, dir.resolve("hf")));
    ModelFiles gguf = ModelFiles.open(TestModels.create(shape, ModelFormat.GGUF, DType.F32, dir.resolve("gguf")));
    assertEquals(hf.tensors().size(), gguf.tensors().size());
    int headDim = hf.config().headDim();
    for (TensorInfo h : hf.tensors()) {
      TensorInfo g = gguf.tensor(h.name());
      assertArrayEquals(h.shape(), g.shape(), h.name());
      float[] values = TensorValues.read(g);
      if (gguf.config().ropeStyle() == RopeStyle.INTERLEAVED && (h.name().endsWith("q_proj.weight") || h.name().endsWith("k_proj.weight"))) {
        values = QkPermutation.toHf(values, (int) g.rows(), (int) g.cols(), headDim);
      }
      assertArrayEquals(TensorValues.read(h), values, 0f, h.name());
    }
  }

  @Test
  void largeModelIsWrittenAsShardsWithAnIndex() throws IOException {
    Path model = ModelCreator.create(new CreateOptions(ModelShape.TINY, ModelFormat.HF, DType.F32, TestModels.SEED, 200_000),
        TestModels.vocabulary(), dir, f -> {});
    assertFalse(Files.exists(model.resolve(SafetensorsWriter.SINGLE)));
    assertTrue(Files.exists(model.resolve(SafetensorsWriter.INDEX)));
    assertTrue(Files.exists(model.resolve("model-00002-of-00003.safetensors")));
    ModelFiles m = ModelFiles.open(model);
    for (TensorInfo t : m.tensors()) {
      assertArrayEquals(generated(t), TensorValues.read(t), 0f, t.name());
    }
  }

  @Test
  void progressRisesToOne() throws IOException {
    List<Double> seen = new ArrayList<>();
    ModelCreator.create(new CreateOptions(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0, 1, CreateOptions.DEFAULT_MAX_SHARD_BYTES),
        TestModels.vocabulary(), dir, seen::add);
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i) >= seen.get(i - 1));
    }
    assertEquals(1.0, seen.get(seen.size() - 1));
    assertTrue(seen.size() > 2);
  }

  @Test
  void directoryWithOneGgufOpensIt() throws IOException {
    Path file = TestModels.create(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0, dir);
    ModelFiles m = ModelFiles.open(dir);
    assertEquals(file, m.source());
    assertEquals(ModelFormat.GGUF, m.format());
  }
}
