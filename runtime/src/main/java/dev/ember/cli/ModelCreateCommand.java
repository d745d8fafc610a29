package dev.ember.cli;

import dev.ember.model.DType;
import dev.ember.model.ModelFormat;
import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelShape;
import dev.ember.model.create.RandomModels;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember model create}: writes a random-weight model with the exact shapes of a real one, in a
 * real file format, with a tokenizer; for tests, benchmarks and the embedded demo.
 */
@Command(name = "create", mixinStandardHelpOptions = true,
    description = "Create a random-weight model with real shapes and file formats.")
public final class ModelCreateCommand implements Callable<Integer> {
  @Option(names = "--shape", required = true,
      description = "tiny, tiny-llama, qwen2.5-0.5b, r1-distill-qwen-1.5b, llama-2-7b, r1-distill-llama-8b.")
  String shape;

  @Option(names = "--format", defaultValue = "hf", description = "hf (safetensors directory) or gguf (default ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--dtype", description = "Weight type: f32, f16, bf16 (hf); f32, f16, q8_0, q4_0 (gguf). Default bf16 for hf, q8_0 for gguf.",
      converter = ModelOptions.DTypeConverter.class)
  DType dtype;

  @Option(names = "--out", required = true, description = "Output directory.")
  Path out;

  @Option(names = "--seed", defaultValue = "0", description = "Weight seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    ModelShape s = ModelShape.parse(shape);
    ModelFormat f = switch (format.toLowerCase(java.util.Locale.ROOT)) {
      case "hf" -> ModelFormat.HF;
      case "gguf" -> ModelFormat.GGUF;
      default -> throw new IllegalArgumentException("unknown format '" + format + "' (expected hf or gguf)");
    };
    CreateOptions d = CreateOptions.defaults(s, f);
    CreateOptions o = new CreateOptions(s, f, dtype != null ? dtype : d.dtype(), seed, d.maxShardBytes());
    long t0 = System.nanoTime();
    Path model;
    try (Progress p = Progress.start("creating " + s)) {
      model = RandomModels.create(o, out, p.consumer());
    }
    System.out.printf("created %s (%s, %s) at %s in %.1f s%n", s, f, o.dtype(), model, (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
