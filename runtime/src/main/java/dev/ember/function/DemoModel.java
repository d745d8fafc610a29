package dev.ember.function;

import dev.ember.model.ModelFormat;
import dev.ember.model.create.CreateOptions;
import dev.ember.model.create.ModelShape;
import dev.ember.model.create.RandomModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The embedded demo model: a small random-weight Qwen2-shaped model with a trained tokenizer, created
 * on first use under {@code -Dember.home}, {@code $EMBER_HOME} or {@code ~/.cache/ember} so the CLI and the server
 * run on a fresh machine with nothing to download.
 */
public final class DemoModel {
  /** The demo's shape. */
  public static final ModelShape SHAPE = ModelShape.TINY;

  private DemoModel() {}

  public static Path home() {
    String prop = System.getProperty("ember.home");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String env = System.getenv("EMBER_HOME");
    return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "ember");
  }

  /** Returns the demo model's directory, creating it (atomically, via a temporary directory) if absent. */
  public static synchronized Path ensure() throws IOException {
    Path dir = home().resolve("models").resolve("demo-" + SHAPE.id());
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      return dir;
    }
    Files.createDirectories(dir.getParent());
    Path tmp = Files.createTempDirectory(dir.getParent(), ".demo-");
    RandomModels.create(CreateOptions.defaults(SHAPE, ModelFormat.HF), tmp, f -> {});
    try {
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (!Files.isRegularFile(dir.resolve("config.json"))) {
        throw e;
      }
    }
    return dir;
  }
}
