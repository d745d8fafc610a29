package dev.ember.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The real tokenizer files kept gzip-compressed under {@code src/test/resources/tokenizers/<name>/}
 * (see each folder's SOURCE), unpacked once per test JVM into a temporary directory.
 *
 * <p>Usage: {@code Tokenizer t = Tokenizer.load(TokenizerFixtures.dir("qwen3"));}
 */
final class TokenizerFixtures {

  private static final Map<String, Path> UNPACKED = new HashMap<>();

  private TokenizerFixtures() {}

  static synchronized Path dir(String name) {
    return UNPACKED.computeIfAbsent(name, n -> {
      try {
        Path dir = Files.createTempDirectory("ember-tokenizer-" + n);
        dir.toFile().deleteOnExit();
        for (String file : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
          try (InputStream in = TokenizerFixtures.class.getResourceAsStream("/tokenizers/" + n + "/" + file + ".gz")) {
            if (in != null) {
              Path target = dir.resolve(file);
              try (InputStream gz = new GZIPInputStream(in)) {
                Files.copy(gz, target);
              }
              target.toFile().deleteOnExit();
            }
          }
        }
        return dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** The chat_template of a fixture's tokenizer_config.json. */
  static String chatTemplate(String name) {
    try {
      Path config = dir(name).resolve("tokenizer_config.json");
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()).get("chat_template").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A plain-text test resource. */
  static String text(String resource) {
    try (InputStream in = TokenizerFixtures.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
