package dev.ember.function;

/**
 * A manifest that does not validate, naming the file (or request body) and the field path:
 * {@code engine.maxNumSeqs must be >= 1, got 0 in functions/x.yaml}.
 *
 * <pre>{@code throw new InvalidManifestException("functions/x.yaml", "engine.maxNumSeqs", "must be >= 1, got 0"); }</pre>
 */
public final class InvalidManifestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String source;
  private final String field;

  /**
   * @param source the file or "request body"
   * @param field the dotted field path ({@code prewarm.schedule[1]}), or empty for the whole document
   * @param problem what is wrong, phrased to follow the field name
   */
  public InvalidManifestException(String source, String field, String problem) {
    super((field.isEmpty() ? "manifest " : field + " ") + problem + " in " + source);
    this.source = source;
    this.field = field;
  }

  public String source() {
    return source;
  }

  /** The dotted path of the offending field, or empty. */
  public String field() {
    return field;
  }
}
