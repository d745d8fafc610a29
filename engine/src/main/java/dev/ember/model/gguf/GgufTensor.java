package dev.ember.model.gguf;

import dev.ember.model.DType;

/**
 * One GGUF tensor info: name as stored, dims in GGUF order ({@code ne[0]} innermost), ggml type
 * id and offset relative to the data section.
 */
public record GgufTensor(String name, long[] ne, int ggmlType, long offset) {
  public static final int GGML_F32 = 0;
  public static final int GGML_F16 = 1;
  public static final int GGML_Q4_0 = 2;
  public static final int GGML_Q8_0 = 8;
  public static final int GGML_BF16 = 30;

  public GgufTensor {
    ne = ne.clone();
  }

  @Override
  public long[] ne() {
    return ne.clone();
  }

  /** The shape in HF order: {@code ne} reversed. */
  public long[] shape() {
    long[] s = new long[ne.length];
    for (int i = 0; i < ne.length; i++) {
      s[i] = ne[ne.length - 1 - i];
    }
    return s;
  }

  /** The dtype of a ggml type id, or null when Ember does not support it. */
  public static DType dtypeOf(int ggmlType) {
    return switch (ggmlType) {
      case GGML_F32 -> DType.F32;
      case GGML_F16 -> DType.F16;
      case GGML_Q4_0 -> DType.Q4_0;
      case GGML_Q8_0 -> DType.Q8_0;
      case GGML_BF16 -> DType.BF16;
      default -> null;
    };
  }

  public static int ggmlTypeOf(DType dtype) {
    return switch (dtype) {
      case F32 -> GGML_F32;
      case F16 -> GGML_F16;
      case Q4_0 -> GGML_Q4_0;
      case Q8_0 -> GGML_Q8_0;
      case BF16 -> GGML_BF16;
    };
  }
}
