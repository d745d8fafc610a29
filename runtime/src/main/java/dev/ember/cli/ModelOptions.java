package dev.ember.cli;

import dev.ember.model.DType;
import dev.ember.runner.LoadOptions;
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

  /** Parses dtype names for picocli. */
  static final class DTypeConverter implements picocli.CommandLine.ITypeConverter<DType> {
    @Override
    public DType convert(String value) {
      return DType.parse(value);
    }
  }
}
