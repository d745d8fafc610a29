package dev.ember.cli;

import dev.ember.function.DemoModel;
import dev.ember.model.ModelFiles;
import dev.ember.runner.LoadOptions;
import dev.ember.runner.NativeModel;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model loaded for a CLI command: its files, native weights and tokenizer (from the HF directory's
 * tokenizer.json or the GGUF vocabulary). Without a model path, the embedded demo model is used.
 */
record LoadedModel(ModelFiles files, NativeModel model, Tokenizer tokenizer) implements AutoCloseable {

  static LoadedModel load(ModelOptions options, int minBatchTokens) throws IOException {
    Path path = options.model != null ? options.model : DemoModel.ensure();
    ModelFiles files = ModelFiles.open(path);
    Tokenizer tokenizer = openTokenizer(files);
    LoadOptions load = options.loadOptions();
    if (load.maxBatchTokens() < minBatchTokens) {
      load = load.withMaxBatchTokens(minBatchTokens);
    }
    NativeModel model;
    try (Progress p = Progress.start("loading " + path.getFileName())) {
      model = NativeModel.load(files, load.withProgress(p.consumer()));
    } catch (IOException | RuntimeException e) {
      tokenizer.close();
      throw e;
    }
    return new LoadedModel(files, model, tokenizer);
  }

  static Tokenizer openTokenizer(ModelFiles files) throws IOException {
    if (files.vocabulary().isPresent()) {
      return Tokenizer.fromVocabulary(files.vocabulary().get());
    }
    Path json = files.tokenizerJson()
        .orElseThrow(() -> new IOException("no tokenizer.json next to " + files.source() + " and no GGUF vocabulary"));
    return Tokenizer.load(json.getParent());
  }

  boolean isEos(int id) {
    return model.config().eosTokenIds().contains(id) || tokenizer.eosTokenId().orElse(-1) == id;
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
