package dev.ember.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.model.ModelFormat;
import dev.ember.model.TestModels;
import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelCreator;
import dev.ember.model.create.ModelShape;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The converted-weights cache: built once, then mapped in place; stale or corrupt files are rebuilt. */
class WeightCacheTest {
  static final int[] PROMPT = {17, 200, 2, 255, 45, 6, 7, 9, 100};

  @TempDir Path dir;
  Path model;
  long nativeBytesBefore;

  @BeforeEach
  void createF16Model() throws IOException {
    nativeBytesBefore = EmberNative.ember_allocated_bytes();
    model = TestModels.create(ModelShape.TINY, ModelFormat.HF, DType.F16, dir.resolve("tiny-f16"));
  }

  @AfterEach
  void nativeMemoryIsReturned() {
    assertEquals(nativeBytesBefore, EmberNative.ember_allocated_bytes(), "every native allocation freed");
  }

  static LoadOptions q8(boolean cache) {
    return LoadOptions.defaults().withDtype(DType.Q8_0).withThreads(1).withMaxBatchTokens(64).withWeightCache(cache);
  }

  /** Loads, reports how, and returns the logits of the last prompt position. */
  static float[] lastLogits(Path model, LoadOptions options, LoadReport[] report) throws IOException {
    try (NativeModel m = NativeModel.load(ModelFiles.open(model), options)) {
      report[0] = m.loadReport();
      float[][] all = NativeModels.allLogits(m, PROMPT, DType.F32);
      return all[PROMPT.length - 1];
    }
  }

  @Test
  void firstLoadConvertsIntoTheCacheAndTheSecondMapsItWithoutConverting() throws IOException {
    LoadReport[] r = new LoadReport[1];
    float[] uncached = lastLogits(model, q8(false), r);
    assertTrue(r[0].convertedTensors() > 0);
    assertEquals(null, r[0].cacheFile());

    float[] first = lastLogits(model, q8(true), r);
    assertFalse(r[0].cacheHit());
    assertTrue(r[0].convertedTensors() > 0);
    assertTrue(r[0].phases().containsKey("convert"));
    Path file = r[0].cacheFile();
    assertEquals(model.resolve(WeightCache.DIR_NAME).resolve("weights-q8_0.ember"), file);

    float[] second = lastLogits(model, q8(true), r);
    assertTrue(r[0].cacheHit());
    assertEquals(0, r[0].convertedTensors());
    assertFalse(r[0].phases().containsKey("convert"));
    assertEquals(file, r[0].cacheFile());
    assertArrayEquals(uncached, first);
    assertArrayEquals(uncached, second);
  }

  @Test
  void aChangedSourceFileMakesTheCacheStaleAndItIsRebuilt() throws IOException {
    LoadReport[] r = new LoadReport[1];
    lastLogits(model, q8(true), r);
    // Same shape, another random seed: the weights of a replaced checkpoint.
    Path other = ModelCreator.create(new CreateOptions(ModelShape.TINY, ModelFormat.HF, DType.F16, 99,
        CreateOptions.DEFAULT_MAX_SHARD_BYTES), TestModels.vocabulary(), dir.resolve("other"), f -> {});
    Path weights = model.resolve("model.safetensors");
    Files.copy(other.resolve("model.safetensors"), weights, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5000));

    float[] rebuilt = lastLogits(model, q8(true), r);
    assertFalse(r[0].cacheHit());
    assertTrue(r[0].convertedTensors() > 0);
    assertArrayEquals(lastLogits(model, q8(false), r), rebuilt);
  }

  @Test
  void aCorruptCacheFileIsRejectedAndRebuilt() throws IOException {
    LoadReport[] r = new LoadReport[1];
    float[] good = lastLogits(model, q8(true), r);
    Path file = r[0].cacheFile();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long pos = f.length() - 100;
      f.seek(pos);
      int b = f.read();
      f.seek(pos);
      f.write(b ^ 0x5A);
    }
    byte[] key = HexFormat.of().parseHex(WeightCache.modelKey(ModelFiles.open(model), DType.Q8_0, null));
    assertThrows(WeightCacheFile.RejectedException.class, () -> WeightCacheFile.read(file, key, 1));

    float[] rebuilt = lastLogits(model, q8(true), r);
    assertFalse(r[0].cacheHit());
    assertTrue(r[0].convertedTensors() > 0);
    assertArrayEquals(good, rebuilt);
    List<Path> left = Files.list(file.getParent()).filter(p -> p.toString().endsWith(".tmp")).toList();
    assertEquals(List.of(), left, "no temporary file left behind");
  }

  @Test
  void aConfiguredDirectoryHoldsTheCacheOutsideTheModelDirectory() throws IOException {
    LoadReport[] r = new LoadReport[1];
    Path cacheRoot = dir.resolve("cache-root");
    lastLogits(model, q8(true).withWeightCacheDir(cacheRoot), r);
    assertNotNull(r[0].cacheFile());
    assertTrue(r[0].cacheFile().startsWith(cacheRoot));
    assertFalse(Files.exists(model.resolve(WeightCache.DIR_NAME)));
  }

  @Test
  void theModelKeyDependsOnTheLoadTypeAndTheWeights() throws IOException {
    ModelFiles files = ModelFiles.open(model);
    String q8 = WeightCache.modelKey(files, DType.Q8_0, null);
    assertEquals(q8, WeightCache.modelKey(files, DType.Q8_0, null));
    assertFalse(q8.equals(WeightCache.modelKey(files, DType.Q4_0, null)));
    assertFalse(q8.equals(WeightCache.modelKey(files, null, null)));
  }
}
