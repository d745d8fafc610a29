package dev.ember.function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One mapping of a manifest being read, with its field path and source, so that every value read from
 * it is type-checked and every error names {@code section.field} and the file. A missing or null field
 * reads as its default.
 */
final class ManifestNode {
  private final JsonNode node;
  private final String path;
  private final String source;

  ManifestNode(JsonNode node, String path, String source) {
    this.node = node;
    this.path = path;
    this.source = source;
  }

  String source() {
    return source;
  }

  String field(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  InvalidManifestException error(String name, String problem) {
    return new InvalidManifestException(source, field(name), problem);
  }

  /** Rejects any field not in {@code known}, so a typo never silently falls back to a default. */
  void allowOnly(Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw error(f, "is not a known field (expected one of " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
  }

  boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  /** A nested mapping; an absent section is an empty one. */
  ManifestNode section(String name) {
    if (!has(name)) {
      return new ManifestNode(MissingNode.getInstance(), field(name), source);
    }
    JsonNode v = node.get(name);
    if (!v.isObject()) {
      throw error(name, "must be a mapping, got " + describe(v));
    }
    return new ManifestNode(v, field(name), source);
  }

  String text(String name, String def) {
    if (!has(name)) {
      return def;
    }
    JsonNode v = node.get(name);
    if (!v.isValueNode()) {
      throw error(name, "must be a string, got " + describe(v));
    }
    return v.asText();
  }

  int integer(String name, int def, int min, int max) {
    if (!has(name)) {
      return def;
    }
    JsonNode v = node.get(name);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw error(name, "must be an integer, got " + describe(v));
    }
    return checkRange(name, v.intValue(), min, max);
  }

  int checkRange(String name, long value, long min, long max) {
    if (value < min) {
      throw error(name, "must be >= " + min + ", got " + value);
    }
    if (value > max) {
      throw error(name, "must be <= " + max + ", got " + value);
    }
    return (int) value;
  }

  boolean bool(String name, boolean def) {
    if (!has(name)) {
      return def;
    }
    JsonNode v = node.get(name);
    if (!v.isBoolean()) {
      throw error(name, "must be true or false, got " + describe(v));
    }
    return v.booleanValue();
  }

  /** A size: a plain byte count or a string with a unit ({@link ByteSize}). */
  long bytes(String name, long def, long min) {
    if (!has(name)) {
      return def;
    }
    JsonNode v = node.get(name);
    long bytes;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      bytes = v.longValue();
    } else if (v.isTextual()) {
      bytes = parse(name, v.asText(), ByteSize::parse);
    } else {
      throw error(name, "must be a size like 512MiB or 2GiB, got " + describe(v));
    }
    if (bytes < min) {
      throw error(name, "must be at least " + ByteSize.format(min) + ", got " + v.asText());
    }
    return bytes;
  }

  /** A duration string with a unit ({@link DurationText}). */
  Duration duration(String name, Duration def) {
    if (!has(name)) {
      return def;
    }
    JsonNode v = node.get(name);
    if (!v.isTextual()) {
      throw error(name, "must be a duration like 30s or 5m, got " + describe(v));
    }
    return parse(name, v.asText(), DurationText::parse);
  }

  /** Whether the field is present and a list. */
  boolean isList(String name) {
    return has(name) && node.get(name).isArray();
  }

  /** A list of strings; elements are named {@code field[i]} in errors. */
  List<String> strings(String name) {
    if (!has(name)) {
      return List.of();
    }
    JsonNode v = node.get(name);
    if (!v.isArray()) {
      throw error(name, "must be a list, got " + describe(v));
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isValueNode() || e.isNull()) {
        throw error(name + "[" + i + "]", "must be a string, got " + describe(e));
      }
      out.add(e.asText());
    }
    return List.copyOf(out);
  }

  /** Applies a parser whose IllegalArgumentException message follows the field name. */
  <T> T parse(String name, String text, Function<String, T> parser) {
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw error(name, e.getMessage());
    }
  }

  private static String describe(JsonNode v) {
    if (v.isObject()) {
      return "a mapping";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.isTextual() ? "'" + v.asText() + "'" : v.asText();
  }
}
