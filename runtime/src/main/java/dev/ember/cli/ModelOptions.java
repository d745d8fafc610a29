package dev.ember.cli;

import dev.ember.device.DeviceContext;
import dev.ember.engine.EngineFactory;
import dev.ember.engine.LoadedEngine;
import dev.ember.function.DemoModel;
import dev.ember.model.DType;
import dev.ember.runner.LoadOptions;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by commands that load a model: which model, converted to what, on how many threads. */
final class ModelOptions {
  @Option(names = "--model", description = "HF model directory or .gguf file (default: the embedded demo model).")
  Path model;

  @Option(names = "--dtype", description = "Convert weight matrices at load time: f32, f16, bf16, q8_0, q4_0.",
      converter = DTypeConverter.class)
  DType dtype;

  @Option(names = "--threads", description = "Kernel threads (default: all cores).")
  Integer threads;

  LoadOptions loadOptions() {
    LoadOptions o = LoadOptions.defaults().withDtype(dtype);
    return threads == null ? o : o.withThreads(threads);
  }

  /**
   * Loads the model (the embedded demo model without {@code --model}) behind a progress bar and builds its
   * engine through {@link EngineFactory}; steps may carry at least {@code minBatchTokens} tokens.
   */
  LoadedEngine loadEngine(int minBatchTokens, EngineFactory.Sizing sizing) throws IOException {
    return loadEngine(minBatchTokens, sizing, loadOptions());
  }

  /** As above, on one device context (its native device string and its kernel threads). */
  LoadedEngine loadEngine(int minBatchTokens, EngineFactory.Sizing sizing, DeviceContext context) throws IOException {
    return loadEngine(minBatchTokens, sizing, loadOptions().withDevice(context.nativeDevice())
        .withThreads(context.threads(threads == null ? 0 : threads)));
  }

  private LoadedEngine loadEngine(int minBatchTokens, EngineFactory.Sizing sizing, LoadOptions options)
      throws IOException {
    Path path = model != null ? model : DemoModel.ensure();
    LoadOptions load = options;
    if (load.maxBatchTokens() < minBatchTokens) {
      load = load.withMaxBatchTokens(minBatchTokens);
    }
    try (Progress p = Progress.start("loading " + path.getFileName())) {
      return EngineFactory.load(path, load.withProgress(p.consumer()), sizing);
    }
  }

  /** Parses dtype names for picocli. */
  static final class DTypeConverter implements picocli.CommandLine.ITypeConverter<DType> {
    @Override
    public DType convert(String value) {
      return DType.parse(value);
    }
  }
}
