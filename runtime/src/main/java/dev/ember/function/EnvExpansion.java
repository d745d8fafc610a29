package dev.ember.function;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shell-style variable references in manifest paths: {@code ${VAR}} and {@code ${VAR:-default}} (the
 * default when VAR is unset or empty), so shipped manifests can say
 * {@code ${EMBER_MODELS:-/models}/DeepSeek-R1-Distill-Qwen-1.5B}.
 *
 * <pre>{@code String p = EnvExpansion.expand("${EMBER_MODELS:-/models}/x", System::getenv); }</pre>
 */
public final class EnvExpansion {
  private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private EnvExpansion() {}

  /** Expands every reference; throws IllegalArgumentException naming a variable that is unset with no default. */
  public static String expand(String text, UnaryOperator<String> env) {
    Matcher m = REF.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.apply(m.group(1));
      if (value == null || value.isEmpty()) {
        value = m.group(2);
        if (value == null) {
          throw new IllegalArgumentException("refers to ${" + m.group(1) + "}, which is not set (give a default: ${"
              + m.group(1) + ":-/path})");
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    if (out.indexOf("${") >= 0) {
      throw new IllegalArgumentException("has a malformed variable reference: '" + text + "'");
    }
    return out.toString();
  }
}
