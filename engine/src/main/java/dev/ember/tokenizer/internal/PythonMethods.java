package dev.ember.tokenizer.internal;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves the Python methods chat templates call on strings, lists and dicts, which Jinjava
 * (Java objects underneath) lacks: {@code startswith}, {@code endswith}, {@code strip/lstrip/rstrip},
 * {@code split}, {@code replace}, {@code upper/lower/title/capitalize}, {@code items/keys/values},
 * and {@code ember_slice(start, stop, step)} that {@link TemplateSource} substitutes for
 * {@code [a:b:c]}. Put it first in the resolver chain; everything else falls through.
 *
 * <p>Usage: {@code composite.add(new PythonMethods());}
 */
public final class PythonMethods extends ELResolver {

  /** The method name {@link TemplateSource} rewrites extended slices to. */
  public static final String SLICE = "ember_slice";

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
    if (base == null || method == null) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result = switch (base) {
      case String s -> stringMethod(s, method.toString(), args);
      case List<?> l when SLICE.equals(method.toString()) -> sliceList(l, args);
      case Map<?, ?> m -> mapMethod(m, method.toString(), args);
      default -> NOT_HANDLED;
    };
    if (result == NOT_HANDLED) {
      return null;
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static final Object NOT_HANDLED = new Object();

  private static Object stringMethod(String s, String name, Object[] args) {
    return switch (name) {
      case "startswith" -> s.startsWith(str(args, 0));
      case "endswith" -> s.endsWith(str(args, 0));
      case "strip" -> rstrip(lstrip(s, chars(args)), chars(args));
      case "lstrip" -> lstrip(s, chars(args));
      case "rstrip" -> rstrip(s, chars(args));
      case "split" -> args.length == 0 || args[0] == null ? splitWhitespace(s) : split(s, str(args, 0));
      case "replace" -> s.replace(str(args, 0), str(args, 1));
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      case "find" -> s.indexOf(str(args, 0));
      case "count" -> count(s, str(args, 0));
      case SLICE -> sliceString(s, args);
      default -> NOT_HANDLED;
    };
  }

  private static Object mapMethod(Map<?, ?> m, String name, Object[] args) {
    return switch (name) {
      case "items" -> {
        List<List<Object>> items = new ArrayList<>(m.size());
        m.forEach((k, v) -> items.add(List.of(k, v == null ? "" : v)));
        yield items;
      }
      case "keys" -> new ArrayList<>(m.keySet());
      case "values" -> new ArrayList<>(m.values());
      case "get" -> args.length > 1 && !m.containsKey(args[0]) ? args[1] : m.get(args[0]);
      default -> NOT_HANDLED;
    };
  }

  private static String str(Object[] args, int i) {
    if (i >= args.length || args[i] == null) {
      throw new IllegalArgumentException("missing string argument " + (i + 1));
    }
    return args[i].toString();
  }

  /** Characters to strip: null means whitespace. */
  private static String chars(Object[] args) {
    return args.length == 0 || args[0] == null ? null : args[0].toString();
  }

  private static boolean strippable(char c, String chars) {
    return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  private static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  private static String rstrip(String s, String chars) {
    int j = s.length();
    while (j > 0 && strippable(s.charAt(j - 1), chars)) {
      j--;
    }
    return s.substring(0, j);
  }

  private static List<String> split(String s, String sep) {
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    List<String> parts = new ArrayList<>();
    int from = 0;
    for (int at = s.indexOf(sep); at >= 0; at = s.indexOf(sep, from)) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  private static List<String> splitWhitespace(String s) {
    List<String> parts = new ArrayList<>();
    for (String p : s.strip().split("\\s+")) {
      if (!p.isEmpty()) {
        parts.add(p);
      }
    }
    return parts;
  }

  private static String title(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return sb.toString();
  }

  private static int count(String s, String sub) {
    return sub.isEmpty() ? s.length() + 1 : split(s, sub).size() - 1;
  }

  private static String sliceString(String s, Object[] args) {
    StringBuilder sb = new StringBuilder();
    for (int i : indices(s.length(), args)) {
      sb.append(s.charAt(i));
    }
    return sb.toString();
  }

  private static List<Object> sliceList(List<?> l, Object[] args) {
    List<Object> out = new ArrayList<>();
    for (int i : indices(l.size(), args)) {
      out.add(l.get(i));
    }
    return out;
  }

  /** The indices Python's {@code seq[start:stop:step]} visits. */
  private static List<Integer> indices(int length, Object[] args) {
    int step = args.length > 2 && args[2] != null ? ((Number) args[2]).intValue() : 1;
    if (step == 0) {
      throw new IllegalArgumentException("slice step cannot be zero");
    }
    int start = bound(args.length > 0 ? args[0] : null, length, step > 0 ? 0 : length - 1, step);
    int stop = bound(args.length > 1 ? args[1] : null, length, step > 0 ? length : -1, step);
    List<Integer> out = new ArrayList<>();
    for (int i = start; step > 0 ? i < stop : i > stop; i += step) {
      out.add(i);
    }
    return out;
  }

  private static int bound(Object value, int length, int dflt, int step) {
    if (value == null) {
      return dflt;
    }
    int v = ((Number) value).intValue();
    if (v < 0) {
      v += length;
    }
    return step > 0 ? Math.max(0, Math.min(v, length)) : Math.max(-1, Math.min(v, length - 1));
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return false;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return Collections.emptyIterator();
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
