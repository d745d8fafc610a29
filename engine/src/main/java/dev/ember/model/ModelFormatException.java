package dev.ember.model;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model file that cannot be used: unreadable header, unknown architecture, missing, unexpected,
 * misshapen or truncated tensor, unsupported dtype. The message always names the file and the
 * tensor or field at fault.
 *
 * <pre>{@code throw ModelFormatException.in(file, "missing tensor " + name); }</pre>
 */
public final class ModelFormatException extends IOException {
  public ModelFormatException(String message) {
    super(message);
  }

  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code "<what> in <file>"}. */
  public static ModelFormatException in(Path file, String what) {
    return new ModelFormatException(what + " in " + file);
  }
}
