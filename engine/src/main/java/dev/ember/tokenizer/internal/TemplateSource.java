package dev.ember.tokenizer.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a Jinja2 chat template into one Jinjava renders the same way as Jinja2 with
 * {@code trim_blocks}, {@code lstrip_blocks} and {@code keep_trailing_newline=False}, as Hugging
 * Face transformers configures it. Whitespace control ({@code {{-}}, {@code -%}}, trim/lstrip of
 * block and comment tags) is applied here, so Jinjava runs with its own trimming off. Code inside
 * tags is rewritten where Jinjava's parser differs: extended slices {@code x[a:b:c]} become
 * {@code x.ember_slice(a, b, c)} (see {@link PythonMethods}) and keyword-argument values are
 * parenthesized ({@code f(n=xs|length - 1)} would otherwise bind as {@code (n=xs)|length - 1}).
 *
 * <p>Usage: {@code String jinjava = TemplateSource.prepare(template);}
 */
public final class TemplateSource {

  private static final Pattern EXTENDED_SLICE =
      Pattern.compile("\\[\\s*([^\\[\\]:'\"]*?)\\s*:\\s*([^\\[\\]:'\"]*?)\\s*:\\s*([^\\[\\]:'\"]*?)\\s*\\]");

  private TemplateSource() {}

  /** A text run, or a tag with its opening delimiter ({{, {% or {#), code and whitespace modifiers. */
  private record Part(String text, String open, String code, char left, char right) {
    boolean isTag() {
      return open != null;
    }

    boolean isBlockOrComment() {
      return "{%".equals(open) || "{#".equals(open);
    }
  }

  public static String prepare(String template) {
    String source = template.endsWith("\r\n")
        ? template.substring(0, template.length() - 2)
        : template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
    List<Part> parts = split(source);
    StringBuilder[] texts = new StringBuilder[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      texts[i] = parts.get(i).isTag() ? null : new StringBuilder(parts.get(i).text());
    }
    for (int i = 0; i < parts.size(); i++) {
      Part tag = parts.get(i);
      if (!tag.isTag()) {
        continue;
      }
      StringBuilder before = i > 0 ? texts[i - 1] : null;
      StringBuilder after = i + 1 < parts.size() ? texts[i + 1] : null;
      if (before != null) {
        if (tag.left() == '-') {
          stripTrailingWhitespace(before);
        } else if (tag.isBlockOrComment() && tag.left() != '+') {
          lstripLine(before, i - 1 == 0);
        }
      }
      if (after != null) {
        if (tag.right() == '-') {
          stripLeadingWhitespace(after);
        } else if (tag.isBlockOrComment() && tag.right() != '+') {
          trimNewline(after);
        }
      }
    }
    StringBuilder out = new StringBuilder(source.length());
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      if (!p.isTag()) {
        out.append(texts[i]);
      } else if (!"{#".equals(p.open())) {
        String close = "{{".equals(p.open()) ? "}}" : "%}";
        out.append(p.open()).append(' ').append(rewriteCode(p.code())).append(' ').append(close);
      }
    }
    return out.toString();
  }

  private static List<Part> split(String s) {
    List<Part> parts = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int open = nextTagOpen(s, i);
      if (open < 0) {
        parts.add(new Part(s.substring(i), null, null, ' ', ' '));
        break;
      }
      if (open > i) {
        parts.add(new Part(s.substring(i, open), null, null, ' ', ' '));
      }
      String opener = s.substring(open, open + 2);
      String close = switch (opener) {
        case "{{" -> "}}";
        case "{%" -> "%}";
        default -> "#}";
      };
      int codeStart = open + 2;
      int end = "{#".equals(opener) ? indexOrEnd(s, close, codeStart) : codeEnd(s, codeStart, close);
      String code = s.substring(codeStart, end);
      char left = !code.isEmpty() && (code.charAt(0) == '-' || code.charAt(0) == '+') ? code.charAt(0) : ' ';
      char right = !code.isEmpty() && (code.charAt(code.length() - 1) == '-' || code.charAt(code.length() - 1) == '+')
          ? code.charAt(code.length() - 1) : ' ';
      if (left != ' ') {
        code = code.substring(1);
      }
      if (right != ' ' && !code.isEmpty()) {
        code = code.substring(0, code.length() - 1);
      }
      parts.add(new Part(null, opener, code.strip(), left, right));
      i = Math.min(s.length(), end + 2);
    }
    return parts;
  }

  private static int nextTagOpen(String s, int from) {
    int best = -1;
    for (String opener : new String[] {"{{", "{%", "{#"}) {
      int at = s.indexOf(opener, from);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  private static int indexOrEnd(String s, String what, int from) {
    int at = s.indexOf(what, from);
    return at < 0 ? s.length() : at;
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

  private static void stripTrailingWhitespace(StringBuilder sb) {
    int n = sb.length();
    while (n > 0 && Character.isWhitespace(sb.charAt(n - 1))) {
      n--;
    }
    sb.setLength(n);
  }

  private static void stripLeadingWhitespace(StringBuilder sb) {
    int n = 0;
    while (n < sb.length() && Character.isWhitespace(sb.charAt(n))) {
      n++;
    }
    sb.delete(0, n);
  }

  /** lstrip_blocks: spaces and tabs between the line start and a block tag go. */
  private static void lstripLine(StringBuilder sb, boolean atTemplateStart) {
    int lineStart = sb.lastIndexOf("\n") + 1;
    if (lineStart == 0 && !atTemplateStart) {
      return; // the line started before the previous tag, so the tag is not first on its line
    }
    for (int i = lineStart; i < sb.length(); i++) {
      if (sb.charAt(i) != ' ' && sb.charAt(i) != '\t') {
        return;
      }
    }
    sb.setLength(lineStart);
  }

  /** trim_blocks: the first newline after a block tag goes. */
  private static void trimNewline(StringBuilder sb) {
    if (sb.length() > 0 && sb.charAt(0) == '\n') {
      sb.deleteCharAt(0);
    } else if (sb.length() > 1 && sb.charAt(0) == '\r' && sb.charAt(1) == '\n') {
      sb.delete(0, 2);
    }
  }

  /** Rewrites slices in code between string literals, then parenthesizes keyword-argument values. */
  static String rewriteCode(String code) {
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
    boolean definition = code.startsWith("macro ") || code.startsWith("call"); // defaults stay as written
    return definition ? out.toString() : wrapKeywordArguments(out.toString());
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

  /** {@code f(a=x|length - 1, b=2)} to {@code f(a=(x|length - 1), b=(2))}. */
  private static String wrapKeywordArguments(String code) {
    StringBuilder out = new StringBuilder(code.length() + 8);
    Deque<Character> brackets = new ArrayDeque<>();
    Deque<Integer> openValues = new ArrayDeque<>(); // bracket depths of wrapped values
    char quote = 0;
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (quote != 0) {
        out.append(c);
        if (c == '\\' && i + 1 < code.length()) {
          out.append(code.charAt(++i));
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      switch (c) {
        case '\'', '"' -> {
          quote = c;
          out.append(c);
        }
        case '(', '[', '{' -> {
          brackets.push(c);
          out.append(c);
        }
        case ')', ']', '}' -> {
          closeValue(out, openValues, brackets.size());
          if (!brackets.isEmpty()) {
            brackets.pop();
          }
          out.append(c);
        }
        case ',' -> {
          closeValue(out, openValues, brackets.size());
          out.append(c);
        }
        case '=' -> {
          out.append(c);
          boolean comparison = (i + 1 < code.length() && code.charAt(i + 1) == '=')
              || (i > 0 && "=!<>".indexOf(code.charAt(i - 1)) >= 0);
          if (!comparison && !brackets.isEmpty() && brackets.peek() == '(' && followsIdentifier(code, i)) {
            out.append('(');
            openValues.push(brackets.size());
          }
        }
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private static void closeValue(StringBuilder out, Deque<Integer> openValues, int depth) {
    if (!openValues.isEmpty() && openValues.peek() == depth) {
      openValues.pop();
      out.append(')');
    }
  }

  private static boolean followsIdentifier(String code, int equalsAt) {
    int j = equalsAt - 1;
    while (j >= 0 && code.charAt(j) == ' ') {
      j--;
    }
    return j >= 0 && (Character.isLetterOrDigit(code.charAt(j)) || code.charAt(j) == '_');
  }
}
