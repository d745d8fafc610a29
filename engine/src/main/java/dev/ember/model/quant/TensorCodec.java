package dev.ember.model.quant;

import dev.ember.model.DType;
import java.nio.ByteBuffer;

/**
 * Converts float values to and from any {@link DType}'s little-endian bytes.
 *
 * <pre>{@code TensorCodec.encode(DType.F16, values, 0, values.length, buffer); }</pre>
 */
public final class TensorCodec {
  private TensorCodec() {}

  /** Puts {@code n} values at {@code dst}'s position (little-endian), which advances. */
  public static void encode(DType dtype, float[] src, int offset, int n, ByteBuffer dst) {
    switch (dtype) {
      case F32 -> {
        for (int i = offset; i < offset + n; i++) {
          dst.putFloat(src[i]);
        }
      }
      case F16 -> {
        for (int i = offset; i < offset + n; i++) {
          dst.putShort(Fp16.fromFloat(src[i]));
        }
      }
      case BF16 -> {
        for (int i = offset; i < offset + n; i++) {
          dst.putShort(Bf16.fromFloat(src[i]));
        }
      }
      case Q8_0 -> Q8_0.quantize(src, offset, n, dst);
      case Q4_0 -> Q4_0.quantize(src, offset, n, dst);
    }
  }

  /** Reads {@code n} values from {@code src}'s position (little-endian), which advances. */
  public static void decode(DType dtype, ByteBuffer src, float[] dst, int offset, int n) {
    switch (dtype) {
      case F32 -> {
        for (int i = offset; i < offset + n; i++) {
          dst[i] = src.getFloat();
        }
      }
      case F16 -> {
        for (int i = offset; i < offset + n; i++) {
          dst[i] = Fp16.toFloat(src.getShort());
        }
      }
      case BF16 -> {
        for (int i = offset; i < offset + n; i++) {
          dst[i] = Bf16.toFloat(src.getShort());
        }
      }
      case Q8_0 -> Q8_0.dequantize(src, dst, offset, n);
      case Q4_0 -> Q4_0.dequantize(src, dst, offset, n);
    }
  }
}
