package dev.ember.model;

import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelCreator;
import dev.ember.model.create.ModelShape;
import dev.ember.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small models and a byte-level vocabulary for model-format tests. */
public final class TestModels {
  public static final long SEED = 7;

  private TestModels() {}

  /** 256 byte tokens plus {@code <s>} (256) and {@code </s>} (257), one merge, a chat template. */
  public static Vocabulary vocabulary() {
    List<String> tokens = new ArrayList<>();
    List<Integer> types = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      tokens.add("b" + i);
      types.add(Vocabulary.TYPE_NORMAL);
    }
    tokens.add("<s>");
    tokens.add("</s>");
    types.add(Vocabulary.TYPE_CONTROL);
    types.add(Vocabulary.TYPE_CONTROL);
    return new Vocabulary(tokens, types, List.of("b1 b2"), 256, 257, "qwen2", "{{ messages }}");
  }

  public static Path create(ModelShape shape, ModelFormat format, DType dtype, Path dir) throws IOException {
    return ModelCreator.create(new CreateOptions(shape, format, dtype, SEED, CreateOptions.DEFAULT_MAX_SHARD_BYTES), vocabulary(), dir, f -> {});
  }
}
