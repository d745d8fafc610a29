package dev.ember.model;

/**
 * Element types of weight tensors, with the codes of {@code enum ember_dtype} in the native API.
 * Quantized types group 32 values of a row into one block laid out exactly as GGUF does.
 *
 * <pre>{@code long bytes = DType.Q8_0.bytes(4096); // 4352 }</pre>
 */
public enum DType {
  F32(0, "F32"),
  F16(1, "F16"),
  BF16(2, "BF16"),
  Q8_0(3, "Q8_0"),
  Q4_0(4, "Q4_0");

  /** Values per quantization block. */
  public static final int BLOCK = 32;

  private final int code;
  private final String label;

  DType(int code, String label) {
    this.code = code;
    this.label = label;
  }

  /** The native {@code ember_dtype} code. */
  public int code() {
    return code;
  }

  public boolean quantized() {
    return this == Q8_0 || this == Q4_0;
  }

  /** Bytes taken by n values (n a multiple of {@link #BLOCK} for quantized types). */
  public long bytes(long n) {
    return switch (this) {
      case F32 -> n * 4;
      case F16, BF16 -> n * 2;
      case Q8_0 -> n / BLOCK * 34;
      case Q4_0 -> n / BLOCK * 18;
    };
  }

  /** Parses a CLI/manifest name such as {@code q8_0}, {@code bf16} (case-insensitive). */
  public static DType parse(String name) {
    for (DType t : values()) {
      if (t.label.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown dtype '" + name + "' (expected f32, f16, bf16, q8_0 or q4_0)");
  }

  @Override
  public String toString() {
    return label.toLowerCase(java.util.Locale.ROOT);
  }
}
