package dev.ember.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFiles;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.LoadOptions;
import dev.ember.sample.SamplingParams;
import dev.ember.sched.SchedulerOptions;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one place an engine is built: sizes, the end-of-sequence rule, and freeing everything on close or failure. */
class EngineFactoryTest {
  private static final LoadOptions LOAD = LoadOptions.defaults().withThreads(1).withMaxBatchTokens(32);

  private static EngineOptions engineOptions(int maxNumBatchedTokens) {
    return EngineOptions.defaults(64).withScheduler(new SchedulerOptions(2, maxNumBatchedTokens, 64,
        SchedulerOptions.Policy.FCFS));
  }

  private static ModelConfig withEos(ModelConfig c, List<Integer> eos) {
    return new ModelConfig(c.architecture(), c.hiddenSize(), c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(),
        c.intermediateSize(), c.vocabSize(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(),
        c.ropeScaling(), c.ropeStyle(), c.tieWordEmbeddings(), c.attentionBias(), c.bosTokenId(), eos);
  }

  @Test
  void endOfSequenceIdsAreTheConfigsThenTheTokenizersWithoutDuplicates() throws IOException {
    ModelFiles files = ModelFiles.open(EngineFixture.modelDir());
    try (Tokenizer tokenizer = EngineFactory.openTokenizer(files)) {
      assertTrue(tokenizer.eosTokenId().isPresent(), "the tiny model's tokenizer names an EOS token");
      int tok = tokenizer.eosTokenId().getAsInt();
      ModelConfig c = files.config();
      assertArrayEquals(new int[] {7, 3, tok}, EngineFactory.eosTokenIds(withEos(c, List.of(7, 3)), tokenizer));
      assertArrayEquals(new int[] {tok, 7}, EngineFactory.eosTokenIds(withEos(c, List.of(tok, 7)), tokenizer));
      assertArrayEquals(new int[] {tok}, EngineFactory.eosTokenIds(withEos(c, List.of()), tokenizer));
    }
  }

  @Test
  void loadBuildsAWorkingEngineAndCloseFreesEveryNativeByte() throws IOException {
    long before = EmberNative.ember_allocated_bytes();
    LoadedEngine e = EngineFactory.load(EngineFixture.modelDir(), LOAD,
        EngineBuildOptions.ofBlocks(12, engineOptions(32)).withKvDtype(DType.F32));
    assertEquals(12, e.kv().numBlocks());
    assertEquals(64, e.maxModelLen());
    assertEquals("cpu", e.model().device());
    List<String> phases = new ArrayList<>(e.phases().keySet());
    assertEquals("open", phases.get(0));
    assertEquals("allocate", phases.get(phases.size() - 1));
    for (int id : e.eosTokenIds()) {
      assertTrue(e.isEos(id));
    }
    assertFalse(e.isEos(-5));

    List<RequestOutput> outs = new ArrayList<>();
    e.engine().submit(new EngineRequest("r1", new int[] {5, 6, 7}, SamplingParams.builder().temperature(0)
        .maxTokens(3).ignoreEos(true).build(), null, 0, outs::add));
    for (int i = 0; i < 100 && e.engine().step(); i++) {
      // stepping
    }
    RequestOutput last = outs.get(outs.size() - 1);
    assertNull(last.error());
    assertEquals(3, outs.stream().filter(o -> o.tokenId() >= 0).count());
    assertTrue(EmberNative.ember_allocated_bytes() > before);
    e.close();
    e.close();
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void aKvBudgetBelowOneSequenceIsAPreciseErrorAndLeavesNothingAllocated() throws IOException {
    long before = EmberNative.ember_allocated_bytes();
    long budget;
    try (LoadedEngine probe = EngineFactory.load(EngineFixture.modelDir(), LOAD,
        EngineBuildOptions.ofBlocks(5, engineOptions(32)))) {
      budget = 3 * KvCacheMemory.blockBytes(probe.model(), EngineBuildOptions.DEFAULT_BLOCK_SIZE, DType.F16);
    }
    IOException ex = assertThrows(IOException.class, () -> EngineFactory.load(EngineFixture.modelDir(), LOAD,
        EngineBuildOptions.ofBudget(budget, engineOptions(32))));
    assertTrue(ex.getMessage().contains("holds 3 blocks of 16 tokens, fewer than one 64-token sequence needs"),
        ex.getMessage());
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void aStepBudgetBeyondTheModelsCapacityFailsAndLeavesNothingAllocated() {
    long before = EmberNative.ember_allocated_bytes();
    assertThrows(IllegalArgumentException.class, () -> EngineFactory.load(EngineFixture.modelDir(), LOAD,
        EngineBuildOptions.ofBlocks(8, engineOptions(64))));
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void aFailingSizingClosesTheLoadedWeights() {
    long before = EmberNative.ember_allocated_bytes();
    IOException ex = assertThrows(IOException.class, () -> EngineFactory.load(EngineFixture.modelDir(), LOAD,
        (model, tokenizer) -> {
          throw new IOException("prompt does not fit");
        }));
    assertEquals("prompt does not fit", ex.getMessage());
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void buildOptionsNeedExactlyOneKvSize() {
    EngineOptions o = engineOptions(32);
    assertThrows(IllegalArgumentException.class, () -> new EngineBuildOptions(0, 0, 16, DType.F16, o));
    assertThrows(IllegalArgumentException.class, () -> new EngineBuildOptions(4, 1024, 16, DType.F16, o));
    assertThrows(IllegalArgumentException.class, () -> EngineBuildOptions.ofBlocks(4, o).withKvDtype(DType.Q8_0));
    assertThrows(IllegalArgumentException.class, () -> EngineBuildOptions.ofBlocks(4, o).withBlockSize(0));
  }
}
