package dev.ember.model.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q8_0 block: 32 values stored as an f16 scale (little-endian) and 32 signed bytes,
 * {@code value = d * q}. Quantization follows ggml's reference exactly, in float arithmetic:
 * {@code d = max|x| / 127}, {@code q = roundf(x / d)}, so the bytes equal the native kernels'.
 *
 * <pre>{@code Q8_0.quantize(row, 0, row.length, buffer); // appends row.length / 32 blocks }</pre>
 */
public final class Q8_0 {
  /** Bytes per block. */
  public static final int BLOCK_BYTES = 34;

  private Q8_0() {}

  /**
   * Quantizes {@code n} values (a multiple of 32) from {@code src[offset..]} and puts the blocks at
   * {@code dst}'s position, which advances; {@code dst} must be little-endian.
   */
  public static void quantize(float[] src, int offset, int n, ByteBuffer dst) {
    checkBlocks(n);
    for (int b = offset; b < offset + n; b += 32) {
      float amax = 0;
      for (int j = 0; j < 32; j++) {
        amax = Math.max(amax, Math.abs(src[b + j]));
      }
      float d = amax / 127.0f;
      float id = d != 0 ? 1.0f / d : 0.0f;
      dst.putShort(Fp16.fromFloat(d));
      for (int j = 0; j < 32; j++) {
        dst.put((byte) RoundHalfAway.round(src[b + j] * id));
      }
    }
  }

  /** Dequantizes {@code n} values from the blocks at {@code src}'s position (which advances). */
  public static void dequantize(ByteBuffer src, float[] dst, int offset, int n) {
    checkBlocks(n);
    ByteBuffer le = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (int b = offset; b < offset + n; b += 32) {
      float d = Fp16.toFloat(le.getShort());
      for (int j = 0; j < 32; j++) {
        dst[b + j] = le.get() * d;
      }
    }
    if (le != src) {
      src.position(le.position());
    }
  }

  static void checkBlocks(int n) {
    if (n % 32 != 0) {
      throw new IllegalArgumentException(n + " values is not a whole number of 32-value blocks");
    }
  }
}
