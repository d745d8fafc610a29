package dev.ember.tokenizer.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prepares a Jinja2 chat template for Jinjava: drops one trailing newline (Jinja2's default
 * {@code keep_trailing_newline=False}) and rewrites extended slices {@code x[a:b:c]}, which
 * Jinjava cannot parse, into {@code x.ember_slice(a, b, c)} (see {@link PythonMethods}). Only code
 * inside {@code {{ }}} and {@code {% %}} outside string literals is rewritten.
 *
 * <p>Usage: {@code String jinjava = TemplateSource.prepare(template);}
 */
public final class TemplateSource {

  private static final Pattern EXTENDED_SLICE =
      Pattern.compile("\\[\\s*([^\\[\\]:'\"]*?)\\s*:\\s*([^\\[\\]:'\"]*?)\\s*:\\s*([^\\[\\]:'\"]*?)\\s*\\]");

  private TemplateSource() {}

  public static String prepare(String template) {
    String source = template.endsWith("\r\n")
        ? template.substring(0, template.length() - 2)
        : template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
    StringBuilder out = new StringBuilder(source.length());
    int i = 0;
    while (i < source.length()) {
      int open = nextTagOpen(source, i);
      if (open < 0) {
        out.append(source, i, source.length());
        break;
      }
      out.append(source, i, open + 2);
      String close = source.charAt(open + 1) == '{' ? "}}" : "%}";
      int end = codeEnd(source, open + 2, close);
      out.append(rewriteCode(source.substring(open + 2, end)));
      i = end;
    }
    return out.toString();
  }

  private static int nextTagOpen(String s, int from) {
    int a = s.indexOf("{{", from);
    int b = s.indexOf("{%", from);
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }

  /** Index of the closing delimiter, skipping string literals; the end of the text if missing. */
  private static int codeEnd(String s, int from, String close) {
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (s.startsWith(close, i)) {
        return i;
      }
    }
    return s.length();
  }

  /** Rewrites slices in the code between string literals. */
  private static String rewriteCode(String code) {
    StringBuilder out = new StringBuilder(code.length());
    int segment = 0;
    char quote = 0;
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
          out.append(code, segment, i + 1);
          segment = i + 1;
        }
      } else if (c == '\'' || c == '"') {
        out.append(rewriteSlices(code.substring(segment, i)));
        segment = i;
        quote = c;
      }
    }
    String rest = code.substring(segment);
    out.append(quote == 0 ? rewriteSlices(rest) : rest);
    return out.toString();
  }

  private static String rewriteSlices(String code) {
    Matcher m = EXTENDED_SLICE.matcher(code);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String call = "." + PythonMethods.SLICE + "(" + orNone(m.group(1)) + ", " + orNone(m.group(2)) + ", "
          + orNone(m.group(3)) + ")";
      m.appendReplacement(out, Matcher.quoteReplacement(call));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String orNone(String part) {
    return part.isBlank() ? "none" : part.strip();
  }
}
