package dev.ember.model.create;

import dev.ember.model.ModelFormat;
import dev.ember.tokenizer.TokenizerFiles;
import dev.ember.tokenizer.Vocabulary;
import dev.ember.tokenizer.VocabularyTrainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.DoubleConsumer;

/**
 * A complete random-weight model, as {@code ember model create} writes it: weights of a real shape in
 * a real format plus a tokenizer trained on the embedded corpus (HF: tokenizer.json and
 * tokenizer_config.json beside the weights; GGUF: the vocabulary in the file's metadata).
 *
 * <pre>{@code Path model = RandomModels.create(CreateOptions.defaults(ModelShape.TINY, ModelFormat.HF), dir, f -> {}); }</pre>
 */
public final class RandomModels {
  /** Tokenizer size for shapes with large vocabularies: enough merges for realistic token counts. */
  public static final int LARGE_TOKENIZER_VOCAB = 8192;

  private RandomModels() {}

  /** Creates the model in outDir and returns the path {@code ModelFiles.open} takes. */
  public static Path create(CreateOptions options, Path outDir, DoubleConsumer progress) throws IOException {
    Vocabulary vocabulary = VocabularyTrainer.train(tokenizerVocabSize(options.shape()));
    Path model = ModelCreator.create(options, vocabulary, outDir, progress);
    if (options.format() == ModelFormat.HF) {
      TokenizerFiles.write(vocabulary, model, options.shape().config(0, java.util.List.of()).maxPositionEmbeddings());
    }
    return model;
  }

  /** The trained tokenizer's size for a shape: the model's vocab when small, else {@link #LARGE_TOKENIZER_VOCAB}. */
  public static int tokenizerVocabSize(ModelShape shape) {
    return Math.min(shape.vocabSize(), LARGE_TOKENIZER_VOCAB);
  }
}
