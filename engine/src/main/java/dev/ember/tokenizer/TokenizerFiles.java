package dev.ember.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.tokenizer.internal.TokenizerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a byte-level BPE {@link Vocabulary} as Hugging Face tokenizer files that
 * {@link Tokenizer#load} (and transformers) read: {@code tokenizer.json} and
 * {@code tokenizer_config.json} (chat template, BOS/EOS, model_max_length). Output is
 * byte-for-byte deterministic.
 *
 * <p>Usage: {@code TokenizerFiles.write(VocabularyTrainer.train(1024), modelDir);}
 */
public final class TokenizerFiles {

  /** model_max_length written when none is given. */
  public static final int DEFAULT_MODEL_MAX_LENGTH = 32768;

  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerFiles() {}

  public static void write(Vocabulary v, Path dir) throws IOException {
    write(v, dir, DEFAULT_MODEL_MAX_LENGTH);
  }

  public static void write(Vocabulary v, Path dir, int modelMaxLength) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tokenizer.json"), TokenizerJson.build(v));
    ObjectNode config = JSON.createObjectNode();
    config.put("tokenizer_class", "PreTrainedTokenizerFast");
    config.put("add_bos_token", v.addsBosToken());
    config.put("add_eos_token", false);
    putToken(config, "bos_token", v, v.bosTokenId());
    putToken(config, "eos_token", v, v.eosTokenId());
    config.put("clean_up_tokenization_spaces", false);
    config.put("model_max_length", modelMaxLength);
    if (v.chatTemplate() == null) {
      config.putNull("chat_template");
    } else {
      config.put("chat_template", v.chatTemplate());
    }
    Files.writeString(dir.resolve("tokenizer_config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
  }

  private static void putToken(ObjectNode config, String field, Vocabulary v, int id) {
    if (id >= 0) {
      config.put(field, v.tokens().get(id));
    } else {
      config.putNull(field);
    }
  }
}
