package dev.ember.model;

import dev.ember.model.gguf.GgufFile;
import dev.ember.model.gguf.GgufModel;
import dev.ember.model.gguf.GgufReader;
import dev.ember.model.hf.HfConfig;
import dev.ember.model.safetensors.SafetensorsReader;
import dev.ember.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A model on disk, opened and validated: its format, {@link ModelConfig}, every weight tensor
 * (canonical HF names, absolute file offsets) and, for GGUF, its vocabulary; for HF, the path of
 * {@code tokenizer.json}. Opening checks every tensor against the config (see {@link ModelValidator}).
 *
 * <pre>{@code ModelFiles m = ModelFiles.open(Path.of("models/qwen")); TensorInfo e = m.tensor("model.embed_tokens.weight"); }</pre>
 *
 * @param vocabularyUnavailableReason why a GGUF file yielded no vocabulary (empty for HF or when present)
 */
public record ModelFiles(
    Path source,
    ModelFormat format,
    ModelConfig config,
    List<TensorInfo> tensors,
    Optional<Vocabulary> vocabulary,
    Optional<String> vocabularyUnavailableReason,
    Optional<Path> tokenizerJson) {

  public ModelFiles {
    tensors = List.copyOf(tensors);
  }

  /** Opens an HF directory (holding config.json), a .gguf file, or a directory holding exactly one .gguf. */
  public static ModelFiles open(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      if (Files.isRegularFile(path.resolve(HfConfig.CONFIG))) {
        return openHf(path);
      }
      List<Path> ggufs;
      try (Stream<Path> s = Files.list(path)) {
        // Regular files only: opening a FIFO (or a device) named *.gguf would block or never end.
        ggufs = s.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p)).sorted().toList();
      }
      if (ggufs.size() != 1) {
        throw ModelFormatException.in(path, ggufs.isEmpty()
            ? "no config.json and no .gguf file" : "no config.json and " + ggufs.size() + " .gguf files (expected one): " + ggufs);
      }
      return openGguf(ggufs.get(0));
    }
    if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) {
      return openGguf(path);
    }
    throw new ModelFormatException("not a model: " + path + " (expected a directory with config.json or a .gguf file)");
  }

  private static ModelFiles openHf(Path dir) throws IOException {
    ModelConfig config = HfConfig.read(dir);
    List<TensorInfo> tensors = ModelValidator.validate(config, SafetensorsReader.readDirectory(dir));
    Path tokenizer = dir.resolve("tokenizer.json");
    return new ModelFiles(dir, ModelFormat.HF, config, tensors, Optional.empty(), Optional.empty(),
        Files.isRegularFile(tokenizer) ? Optional.of(tokenizer) : Optional.empty());
  }

  private static ModelFiles openGguf(Path file) throws IOException {
    GgufFile g = GgufReader.read(file);
    ModelConfig config = GgufModel.config(g);
    List<TensorInfo> tensors = ModelValidator.validate(config, GgufModel.tensors(g));
    return new ModelFiles(file, ModelFormat.GGUF, config, tensors, GgufModel.vocabulary(g),
        GgufModel.vocabularyUnavailableReason(g), Optional.empty());
  }

  /** The tensor of that canonical name; throws when absent. */
  public TensorInfo tensor(String name) {
    for (TensorInfo t : tensors) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("no tensor " + name + " in " + source);
  }
}
