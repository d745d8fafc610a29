package dev.ember.model.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Q8_0Test {
  static float[] block(float... head) {
    return Arrays.copyOf(head, 32);
  }

  static byte[] bytes(int... head) {
    byte[] b = new byte[34];
    for (int i = 0; i < head.length; i++) {
      b[i] = (byte) head[i];
    }
    return b;
  }

  static byte[] quantize(float[] x) {
    ByteBuffer out = ByteBuffer.allocate(Q8_0.BLOCK_BYTES * x.length / 32).order(ByteOrder.LITTLE_ENDIAN);
    Q8_0.quantize(x, 0, x.length, out);
    return out.array();
  }

  @Test
  void roundsHalvesAwayFromZeroWithUnitScale() {
    float[] x = block(127, -127, 2.5f, -2.5f, 0.5f, -0.5f, 1.49f, -1.5f);
    // scale f16(1.0) = 0x3C00, then 127, -127, 3, -3, 1, -1, 1, -2, zeros
    assertArrayEquals(bytes(0x00, 0x3C, 0x7F, 0x81, 0x03, 0xFD, 0x01, 0xFF, 0x01, 0xFE), quantize(x));
  }

  @Test
  void scalesByMaxMagnitudeOver127() {
    float[] x = block(63.5f, 0.25f, -0.25f, -0.75f, 10f);
    // d = 0.5 (f16 0x3800), x / d = 127, 0.5, -0.5, -1.5, 20
    assertArrayEquals(bytes(0x00, 0x38, 0x7F, 0x01, 0xFF, 0xFE, 0x14), quantize(x));
  }

  @Test
  void allZeroBlockHasZeroScaleAndCodes() {
    assertArrayEquals(bytes(), quantize(new float[32]));
  }

  @Test
  void dequantizesScaleTimesCode() {
    ByteBuffer in = ByteBuffer.wrap(bytes(0x00, 0x38, 0x7F, 0x01, 0xFF, 0xFE, 0x14)).order(ByteOrder.LITTLE_ENDIAN);
    float[] y = new float[32];
    Q8_0.dequantize(in, y, 0, 32);
    assertArrayEquals(block(63.5f, 0.5f, -0.5f, -1f, 10f), y, 0f);
  }

  @Test
  void rejectsPartialBlocks() {
    assertThrows(IllegalArgumentException.class, () -> Q8_0.quantize(new float[40], 0, 40, ByteBuffer.allocate(100)));
  }
}
