package dev.ember.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.model.ModelFormat;
import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelShape;
import dev.ember.model.create.RandomModels;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model is loaded onto the device its {@link LoadOptions} name; a device the library lacks is a precise error. */
class NativeModelDeviceTest {
  @TempDir Path dir;

  private ModelFiles tinyModel() throws IOException {
    Path model = RandomModels.create(new CreateOptions(ModelShape.TINY, ModelFormat.HF, DType.F32, 5,
        CreateOptions.DEFAULT_MAX_SHARD_BYTES), dir, f -> {});
    return ModelFiles.open(model);
  }

  @Test
  void modelsRunOnTheCpuByDefault() throws IOException {
    assertEquals("cpu", LoadOptions.defaults().device());
    try (NativeModel m = NativeModel.load(tinyModel(), LoadOptions.defaults().withThreads(1).withMaxBatchTokens(16))) {
      assertEquals("cpu", m.device());
    }
  }

  @Test
  void anUnavailableDeviceFailsWithBackendUnavailableAndFreesEverything() throws IOException {
    ModelFiles files = tinyModel();
    long before = EmberNative.ember_allocated_bytes();
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> NativeModel.load(files,
        LoadOptions.defaults().withThreads(1).withMaxBatchTokens(16).withDevice("cuda:0").withWeightCache(false)));
    assertEquals("cuda:0", e.device());
    assertTrue(e.getMessage().contains("backend not available") && e.getMessage().contains("'cuda:0'"), e.getMessage());
    assertEquals(before, EmberNative.ember_allocated_bytes());
  }

  @Test
  void aBlankDeviceIsRejectedByTheOptions() {
    assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults().withDevice(" "));
  }
}
