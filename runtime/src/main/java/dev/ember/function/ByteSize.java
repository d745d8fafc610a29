package dev.ember.function;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes as written in manifests and on the command line: a number with an optional unit,
 * binary ({@code KiB MiB GiB TiB}) or decimal ({@code KB MB GB TB}), bytes when bare ({@code 512MiB},
 * {@code 2GiB}, {@code 1.5GB}, {@code 1048576}).
 *
 * <pre>{@code long kv = ByteSize.parse("2GiB"); String s = ByteSize.format(kv); // "2GiB" }</pre>
 */
public final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);
  private static final String[] BINARY = {"KiB", "MiB", "GiB", "TiB"};

  private ByteSize() {}

  /** Parses a size; throws IllegalArgumentException saying what is expected. */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("must be a size like 512MiB, 2GiB or 1.5GB, got '" + text + "'");
    }
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(multiplier(m.group(2))));
    try {
      return bytes.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("is too large: '" + text + "'", e);
    }
  }

  private static long multiplier(String unit) {
    if (unit == null || unit.equalsIgnoreCase("B")) {
      return 1;
    }
    String u = unit.toUpperCase(Locale.ROOT);
    int power = "KMGT".indexOf(u.charAt(0)) + 1;
    long base = u.contains("I") ? 1024 : 1000;
    long r = 1;
    for (int i = 0; i < power; i++) {
      r *= base;
    }
    return r;
  }

  /** The largest exact binary unit ({@code 2GiB}, {@code 1536MiB}), or plain bytes. */
  public static String format(long bytes) {
    for (int i = BINARY.length - 1; i >= 0; i--) {
      long unit = 1L << (10 * (i + 1));
      if (bytes != 0 && bytes % unit == 0) {
        return bytes / unit + BINARY[i];
      }
    }
    return Long.toString(bytes);
  }
}
