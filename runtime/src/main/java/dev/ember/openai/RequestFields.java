package dev.ember.openai;

import dev.ember.function.FunctionException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Typed, strict reads of an OpenAI request body: a field that is present must have the expected JSON
 * type (an integer field also takes an integral number such as {@code 2.0}); {@code null} counts as
 * absent; anything else throws {@link FunctionException#invalid} naming the field. Unknown fields are
 * never looked at, so they are ignored as OpenAI does.
 *
 * <pre>{@code Integer n = new RequestFields(body).integer("n", 1, 128); }</pre>
 */
public final class RequestFields {
  private final JsonObject body;

  public RequestFields(JsonObject body) {
    this.body = body;
  }

  public boolean has(String name) {
    return body.getValue(name) != null;
  }

  public Object raw(String name) {
    return body.getValue(name);
  }

  public String string(String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw wrongType(name, "a string", v);
    }
    return s;
  }

  public String requiredString(String name) {
    String s = string(name);
    if (s == null) {
      throw FunctionException.invalid(name, "'" + name + "' is required");
    }
    return s;
  }

  public Boolean bool(String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw wrongType(name, "a boolean", v);
    }
    return b;
  }

  public boolean bool(String name, boolean dflt) {
    Boolean b = bool(name);
    return b == null ? dflt : b;
  }

  /** An integer field in [min, max], or null when absent. */
  public Long integer(String name, long min, long max) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    long x = toLong(name, v);
    if (x < min || x > max) {
      throw FunctionException.invalid(name, "'" + name + "' must be in [" + min + ", " + max + "], got " + x);
    }
    return x;
  }

  /** A number field, or null when absent; range checks belong to the sampling parameters. */
  public Double number(String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)) {
      throw wrongType(name, "a number", v);
    }
    return n.doubleValue();
  }

  public JsonObject object(String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw wrongType(name, "an object", v);
    }
    return o;
  }

  public JsonArray array(String name) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a)) {
      throw wrongType(name, "an array", v);
    }
    return a;
  }

  /** The value as a long if it is an integral JSON number, else a 400 naming {@code name}. */
  public static long toLong(String name, Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger bi) {
      if (bi.bitLength() < 64) {
        return bi.longValue();
      }
      throw FunctionException.invalid(name, "'" + name + "' is out of range: " + bi);
    }
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
        return (long) d;
      }
    }
    throw wrongType(name, "an integer", v);
  }

  public static FunctionException wrongType(String name, String expected, Object v) {
    return FunctionException.invalid(name, "'" + name + "' must be " + expected + ", got " + describe(v));
  }

  private static String describe(Object v) {
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof JsonObject) {
      return "an object";
    }
    if (v instanceof JsonArray) {
      return "an array";
    }
    return String.valueOf(v);
  }
}
