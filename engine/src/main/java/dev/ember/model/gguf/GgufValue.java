package dev.ember.model.gguf;

import java.util.List;

/**
 * One typed GGUF metadata value. Integers of every width are held as {@link Long} (unsigned 64-bit
 * values as their two's complement), FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as
 * {@link Boolean}, STRING as {@link String}, ARRAY as a {@link GgufValue.Array}.
 *
 * <pre>{@code GgufValue v = GgufValue.u32(2048); int n = v.asInt(); }</pre>
 */
public record GgufValue(GgufType type, Object value) {
  /** An array of values of one element type (elements are plain Long/Float/.../String/Array objects). */
  public record Array(GgufType elementType, List<?> values) {
    public Array {
      values = List.copyOf(values);
    }
  }

  public static GgufValue u32(long v) {
    return new GgufValue(GgufType.UINT32, v);
  }

  public static GgufValue i32(long v) {
    return new GgufValue(GgufType.INT32, v);
  }

  public static GgufValue u64(long v) {
    return new GgufValue(GgufType.UINT64, v);
  }

  public static GgufValue f32(float v) {
    return new GgufValue(GgufType.FLOAT32, v);
  }

  public static GgufValue bool(boolean v) {
    return new GgufValue(GgufType.BOOL, v);
  }

  public static GgufValue string(String v) {
    return new GgufValue(GgufType.STRING, v);
  }

  public static GgufValue array(GgufType elementType, List<?> values) {
    return new GgufValue(GgufType.ARRAY, new Array(elementType, values));
  }

  /** An integer of any width, or a float truncated. */
  public long asLong() {
    if (value instanceof Number n) {
      return n.longValue();
    }
    throw new IllegalStateException("GGUF " + type + " value is not a number");
  }

  public int asInt() {
    return Math.toIntExact(asLong());
  }

  public double asDouble() {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalStateException("GGUF " + type + " value is not a number");
  }

  public String asString() {
    if (value instanceof String s) {
      return s;
    }
    throw new IllegalStateException("GGUF " + type + " value is not a string");
  }

  public Array asArray() {
    if (value instanceof Array a) {
      return a;
    }
    throw new IllegalStateException("GGUF " + type + " value is not an array");
  }
}
