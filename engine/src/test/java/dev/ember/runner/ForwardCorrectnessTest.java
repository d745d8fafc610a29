package dev.ember.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.model.ModelFormat;
import dev.ember.model.TestModels;
import dev.ember.model.create.ModelShape;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native forward against the float64 {@link ReferenceForward}, and its invariances: file format,
 * KV block placement, batch composition and prefill chunking change nothing.
 */
class ForwardCorrectnessTest {
  @TempDir static Path dir;
  static long nativeBytesBefore;

  static final int[][] PROMPTS = {
    {5},
    {17, 200, 2, 255, 45, 6, 7},
    new SplittableRandom(1).ints(40, 0, 258).toArray(),
    new SplittableRandom(2).ints(23, 0, 258).toArray(),
  };

  @BeforeAll
  static void recordNativeMemory() {
    nativeBytesBefore = EmberNative.ember_allocated_bytes();
  }

  @AfterAll
  static void nativeMemoryIsReturned() {
    assertEquals(nativeBytesBefore, EmberNative.ember_allocated_bytes(), "every native allocation freed");
  }

  static Path model(ModelShape shape, ModelFormat format, DType dtype) throws IOException {
    Path d = dir.resolve(shape.id() + "-" + format + "-" + dtype);
    return java.nio.file.Files.exists(d) ? (format == ModelFormat.GGUF ? d.resolve(shape.id() + "-" + dtype + ".gguf") : d)
        : TestModels.create(shape, format, dtype, d);
  }

  /** Kernel variants that multiply bf16 weights by activations rounded to bf16 (vdpbf16ps, BFMMLA). */
  private static final List<String> BF16_DOT_VARIANTS = List.of("avx512-bf16", "neon-mmla");

  /**
   * Weight type, format, and the stated bound on the error relative to the largest logit. Float types
   * only differ from float64 by f32 arithmetic; Q8_0/Q4_0 weights are compared against the reference
   * on the same dequantized weights, so their bound covers the 8-bit quantization of activations that
   * the integer dot products use. BF16 on the bf16-dot variants: products of 16 rows or more (the 23-
   * and 40-token prompts) round their activations to bf16, 2^-9 of each value at most, as a bf16
   * checkpoint's own arithmetic does; the bound is that of the f16 KV cache below.
   */
  static Stream<Arguments> dtypes() {
    return Stream.of(
        Arguments.of(ModelShape.TINY, ModelFormat.HF, DType.F32, 1e-4),
        Arguments.of(ModelShape.TINY_LLAMA, ModelFormat.HF, DType.F32, 1e-4),
        Arguments.of(ModelShape.TINY, ModelFormat.HF, DType.F16, 1e-4),
        Arguments.of(ModelShape.TINY, ModelFormat.HF, DType.BF16, BF16_DOT_VARIANTS.contains(EmberNative.ember_isa()) ? 5e-3 : 1e-4),
        Arguments.of(ModelShape.TINY_LLAMA, ModelFormat.GGUF, DType.F32, 1e-4),
        Arguments.of(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0, 2e-2),
        Arguments.of(ModelShape.TINY_LLAMA, ModelFormat.GGUF, DType.Q4_0, 2e-2));
  }

  @ParameterizedTest(name = "{0} {1} {2} within {3}")
  @MethodSource("dtypes")
  void nativeLogitsMatchTheFloat64Reference(ModelShape shape, ModelFormat format, DType dtype, double bound)
      throws IOException {
    ModelFiles files = ModelFiles.open(model(shape, format, dtype));
    Map<String, double[]> weights = NativeModels.referenceWeights(files);
    ReferenceForward reference = new ReferenceForward(files.config(), weights::get);
    try (NativeModel m = NativeModels.load(files, null, 2)) {
      for (int[] prompt : PROMPTS) {
        float[][] got = NativeModels.allLogits(m, prompt, DType.F32);
        double[][] want = reference.logits(prompt);
        for (int t = 0; t < prompt.length; t++) {
          double err = NativeModels.relativeError(got[t], want[t]);
          assertTrue(err <= bound, shape + " " + dtype + " position " + t + " of " + prompt.length + ": error " + err);
        }
      }
    }
  }

  @Test
  void f16KvCacheStaysCloseToTheReference() throws IOException {
    ModelFiles files = ModelFiles.open(model(ModelShape.TINY, ModelFormat.HF, DType.F32));
    ReferenceForward reference = new ReferenceForward(files.config(), NativeModels.referenceWeights(files)::get);
    try (NativeModel m = NativeModels.load(files, null, 2)) {
      int[] prompt = PROMPTS[2];
      float[][] got = NativeModels.allLogits(m, prompt, DType.F16);
      double[][] want = reference.logits(prompt);
      for (int t = 0; t < prompt.length; t++) {
        assertTrue(NativeModels.relativeError(got[t], want[t]) <= 5e-3, "position " + t);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("shapes")
  void hfAndGgufOfTheSameWeightsGiveTheSameLogits(ModelShape shape) throws IOException {
    ModelFiles hf = ModelFiles.open(model(shape, ModelFormat.HF, DType.F32));
    ModelFiles gguf = ModelFiles.open(model(shape, ModelFormat.GGUF, DType.F32));
    try (NativeModel a = NativeModels.load(hf, null, 2); NativeModel b = NativeModels.load(gguf, null, 2)) {
      for (int[] prompt : PROMPTS) {
        float[][] la = NativeModels.allLogits(a, prompt, DType.F32);
        float[][] lb = NativeModels.allLogits(b, prompt, DType.F32);
        for (int t = 0; t < prompt.length; t++) {
          assertTrue(NativeModels.relativeError(lb[t], la[t]) <= 1e-5, shape + " position " + t);
        }
      }
    }
  }

  static Stream<ModelShape> shapes() {
    return Stream.of(ModelShape.TINY, ModelShape.TINY_LLAMA);
  }

  @Test
  void loadTimeQuantizationMatchesAGgufQuantizedByTheWriter() throws IOException {
    ModelFiles f32 = ModelFiles.open(model(ModelShape.TINY, ModelFormat.HF, DType.F32));
    ModelFiles q8 = ModelFiles.open(model(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0));
    try (NativeModel converted = NativeModels.load(f32, DType.Q8_0, 2); NativeModel inPlace = NativeModels.load(q8, null, 2)) {
      assertEquals(DType.Q8_0, converted.matrixDtype());
      for (int[] prompt : PROMPTS) {
        float[][] a = NativeModels.allLogits(converted, prompt, DType.F32);
        float[][] b = NativeModels.allLogits(inPlace, prompt, DType.F32);
        for (int t = 0; t < prompt.length; t++) {
          assertArrayEquals(b[t], a[t], 1e-6f, "position " + t);
        }
      }
    }
  }

  /** Greedy continuation of sequence 0 of a decoder, 32 tokens after its prompt logits. */
  static int[] greedy(DirectDecoder d, int seq, FloatBuffer logits, int row, int vocab, int n) {
    int[] out = new int[n];
    int next = DirectDecoder.argmax(logits, row, vocab);
    for (int i = 0; i < n; i++) {
      out[i] = next;
      if (i + 1 < n) {
        next = DirectDecoder.argmax(d.decode(new int[] {seq}, new int[] {next}), 0, vocab);
      }
    }
    return out;
  }

  @Test
  void greedyDecodingIsIdenticalAcrossBlockLayoutsBatchesChunksAndFormats() throws IOException {
    ModelFiles hf = ModelFiles.open(model(ModelShape.TINY, ModelFormat.HF, DType.F32));
    ModelFiles gguf = ModelFiles.open(model(ModelShape.TINY, ModelFormat.GGUF, DType.F32));
    int vocab = hf.config().vocabSize();
    int[] prompt = PROMPTS[2];
    int n = 32;
    try (NativeModel m = NativeModels.load(hf, null, 2); NativeModel g = NativeModels.load(gguf, null, 2);
        KvCacheMemory kv = KvCacheMemory.allocate(m, 64, 16, DType.F32);
        KvCacheMemory kvg = KvCacheMemory.allocate(g, 64, 16, DType.F32);
        ModelRunner r = new ModelRunner(m, kv, 4, 256);
        ModelRunner rg = new ModelRunner(g, kvg, 4, 256)) {
      DirectDecoder contiguous = DirectDecoder.contiguous(r, 1);
      int[] expected = greedy(contiguous, 0, contiguous.prefill(0, prompt), 0, vocab, n);

      // blocks scattered over the pool in a shuffled order
      int[][] scattered = {{40, 3, 61, 17, 9, 55}};
      DirectDecoder paged = new DirectDecoder(r, scattered);
      assertArrayEquals(expected, greedy(paged, 0, paged.prefill(0, prompt), 0, vocab, n), "scattered blocks");

      // prefill in chunks of 3 tokens
      DirectDecoder chunked = DirectDecoder.contiguous(r, 1);
      assertArrayEquals(expected, greedy(chunked, 0, chunked.prefill(0, prompt, 3), 0, vocab, n), "chunked prefill");

      // GGUF of the same weights
      DirectDecoder fromGguf = DirectDecoder.contiguous(rg, 1);
      assertArrayEquals(expected, greedy(fromGguf, 0, fromGguf.prefill(0, prompt), 0, vocab, n), "GGUF file");

      // inside a batch of 4 different prompts decoding together
      DirectDecoder batch = DirectDecoder.contiguous(r, 4);
      int[][] prompts = {PROMPTS[1], prompt, PROMPTS[3], PROMPTS[0]};
      int[] next = new int[4];
      for (int s = 0; s < 4; s++) {
        next[s] = DirectDecoder.argmax(batch.prefill(s, prompts[s]), 0, vocab);
      }
      int[] got = new int[n];
      int[] seqs = {0, 1, 2, 3};
      for (int i = 0; i < n; i++) {
        got[i] = next[1];
        FloatBuffer logits = batch.decode(seqs, next);
        for (int s = 0; s < 4; s++) {
          next[s] = DirectDecoder.argmax(logits, s, vocab);
        }
      }
      assertArrayEquals(expected, got, "in a batch of 4");
    }
  }

  @Test
  void aBatchOfFourPromptsGivesTheLogitsOfEachAlone() throws IOException {
    ModelFiles files = ModelFiles.open(model(ModelShape.TINY, ModelFormat.GGUF, DType.Q8_0));
    int vocab = files.config().vocabSize();
    try (NativeModel m = NativeModels.load(files, null, 2);
        KvCacheMemory kv = KvCacheMemory.allocate(m, 64, 16, DType.F16);
        ModelRunner r = new ModelRunner(m, kv, 4, 256)) {
      float[][] alone = new float[4][];
      for (int s = 0; s < 4; s++) {
        DirectDecoder d = DirectDecoder.contiguous(r, 1);
        alone[s] = NativeModels.rows(d.prefill(0, PROMPTS[s]), 1, vocab)[0];
      }
      // all four prompts in ONE step: four sequences, logits of each last token
      StepBuffers b = r.buffers();
      int t = 0;
      for (int s = 0; s < 4; s++) {
        b.queryStart.put(s, t);
        for (int i = 0; i < PROMPTS[s].length; i++, t++) {
          b.tokenIds.put(t, PROMPTS[s][i]);
          b.positions.put(t, i);
          b.slotMapping.put(t, (s * 16 + 1) * 16 + i);
        }
        b.contextLens.put(s, PROMPTS[s].length);
        for (int j = 0; j < 3; j++) {
          b.blockTables.put(s * b.maxBlocksPerSeq() + j, s * 16 + 1 + j);
        }
        b.logitsIndices.put(s, t - 1);
      }
      b.queryStart.put(4, t);
      r.forward(t, 4, 4);
      float[][] batched = NativeModels.rows(b.logits, 4, vocab);
      for (int s = 0; s < 4; s++) {
        assertTrue(NativeModels.relativeError(batched[s], alone[s]) <= 1e-5, "prompt " + s);
      }
    }
  }
}
