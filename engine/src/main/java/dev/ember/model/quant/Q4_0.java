package dev.ember.model.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ggml's Q4_0 block: 32 values stored as an f16 scale (little-endian) and 16 bytes of 4-bit codes,
 * value {@code j} in the low nibble of byte {@code j} and value {@code j + 16} in its high nibble;
 * {@code value = d * (q - 8)}. Quantization follows ggml's reference exactly, in float arithmetic:
 * {@code d = m / -8} where {@code m} is the value of largest magnitude (sign kept, first on ties),
 * {@code q = min(15, (int) (x / d + 8.5))}.
 *
 * <pre>{@code Q4_0.quantize(row, 0, row.length, buffer); // appends row.length / 32 blocks }</pre>
 */
public final class Q4_0 {
  /** Bytes per block. */
  public static final int BLOCK_BYTES = 18;

  private Q4_0() {}

  /**
   * Quantizes {@code n} values (a multiple of 32) from {@code src[offset..]} and puts the blocks at
   * {@code dst}'s position, which advances; {@code dst} must be little-endian.
   */
  public static void quantize(float[] src, int offset, int n, ByteBuffer dst) {
    Q8_0.checkBlocks(n);
    for (int b = offset; b < offset + n; b += 32) {
      float amax = 0;
      float max = 0;
      for (int j = 0; j < 32; j++) {
        float v = src[b + j];
        if (amax < Math.abs(v)) {
          amax = Math.abs(v);
          max = v;
        }
      }
      float d = max / -8.0f;
      float id = d != 0 ? 1.0f / d : 0.0f;
      dst.putShort(Fp16.fromFloat(d));
      for (int j = 0; j < 16; j++) {
        int lo = Math.min(15, (int) (src[b + j] * id + 8.5f));
        int hi = Math.min(15, (int) (src[b + j + 16] * id + 8.5f));
        dst.put((byte) (lo | (hi << 4)));
      }
    }
  }

  /** Dequantizes {@code n} values from the blocks at {@code src}'s position (which advances). */
  public static void dequantize(ByteBuffer src, float[] dst, int offset, int n) {
    Q8_0.checkBlocks(n);
    ByteBuffer le = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    for (int b = offset; b < offset + n; b += 32) {
      float d = Fp16.toFloat(le.getShort());
      for (int j = 0; j < 16; j++) {
        int q = le.get() & 0xFF;
        dst[b + j] = ((q & 0x0F) - 8) * d;
        dst[b + j + 16] = ((q >>> 4) - 8) * d;
      }
    }
    if (le != src) {
      src.position(le.position());
    }
  }
}
