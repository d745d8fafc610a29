package dev.ember.tokenizer.internal;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Collection;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face transformers defines it for chat templates: Python's
 * {@code json.dumps(x, ensure_ascii=False)} (separators {@code ", "} and {@code ": "}, keys in
 * insertion order, non-ASCII kept), with an optional {@code indent}.
 *
 * <p>Usage: {@code {{ tool | tojson }}} or {@code {{ tool | tojson(indent=4) }}}.
 */
public final class ToJsonFilter implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return toJson(var, args.length > 0 && args[0] != null ? Integer.parseInt(args[0]) : -1);
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
    return toJson(var, indent == null ? -1 : Integer.parseInt(indent.toString()));
  }

  /** Python-style JSON; {@code indent < 0} means one line. */
  public static String toJson(Object value, int indent) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, indent, 0);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, int indent, int depth) {
    switch (v) {
      case null -> sb.append("null");
      case Boolean b -> sb.append(b);
      case Double d when d.isNaN() || d.isInfinite() -> sb.append(d.isNaN() ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
      case Number n -> sb.append(n);
      case Map<?, ?> m -> {
        sb.append('{');
        int i = 0;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          separator(sb, i++, indent, depth + 1);
          string(sb, String.valueOf(e.getKey()));
          sb.append(": ");
          write(sb, e.getValue(), indent, depth + 1);
        }
        close(sb, m.isEmpty(), indent, depth, '}');
      }
      case Collection<?> c -> {
        sb.append('[');
        int i = 0;
        for (Object o : c) {
          separator(sb, i++, indent, depth + 1);
          write(sb, o, indent, depth + 1);
        }
        close(sb, c.isEmpty(), indent, depth, ']');
      }
      case Object[] a -> write(sb, java.util.Arrays.asList(a), indent, depth);
      default -> string(sb, v.toString());
    }
  }

  private static void separator(StringBuilder sb, int index, int indent, int depth) {
    if (index > 0) {
      sb.append(indent < 0 ? ", " : ",");
    }
    if (indent >= 0) {
      sb.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void close(StringBuilder sb, boolean empty, int indent, int depth, char bracket) {
    if (indent >= 0 && !empty) {
      sb.append('\n').append(" ".repeat(indent * depth));
    }
    sb.append(bracket);
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
