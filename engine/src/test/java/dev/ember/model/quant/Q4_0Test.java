package dev.ember.model.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Q4_0Test {
  static byte[] quantize(float[] x) {
    ByteBuffer out = ByteBuffer.allocate(Q4_0.BLOCK_BYTES * x.length / 32).order(ByteOrder.LITTLE_ENDIAN);
    Q4_0.quantize(x, 0, x.length, out);
    return out.array();
  }

  static byte[] block(int scaleLo, int scaleHi, int fill, int... head) {
    byte[] b = new byte[18];
    Arrays.fill(b, (byte) fill);
    b[0] = (byte) scaleLo;
    b[1] = (byte) scaleHi;
    for (int i = 0; i < head.length; i++) {
      b[2 + i] = (byte) head[i];
    }
    return b;
  }

  @Test
  void packsLowAndHighHalvesIntoNibblesWithSignedMaxScale() {
    float[] x = new float[32];
    float[] head = {-8, 7, 7.4f, 0, -0.5f, -0.6f, 0.5f};
    System.arraycopy(head, 0, x, 0, head.length);
    x[16] = 3;
    x[17] = -3;
    x[31] = -7.9f;
    // max = -8 so d = 1 (f16 0x3C00); q = min(15, (int) (x + 8.5)): 0, 15, 15, 8, 8, 7, 9, 8...; 11, 5, ..., 0
    byte[] expected = block(0x00, 0x3C, 0x88, 0xB0, 0x5F, 0x8F, 0x88, 0x88, 0x87, 0x89);
    expected[17] = 0x08;
    assertArrayEquals(expected, quantize(x));
  }

  @Test
  void firstValueWinsATieOfMagnitudes() {
    float[] x = new float[32];
    x[0] = 8;
    x[1] = -8;
    // max = +8 so d = -1 (f16 0xBC00); q0 = 0, q1 = min(15, 16) = 15, zeros 8
    assertArrayEquals(block(0x00, 0xBC, 0x88, 0x80, 0x8F), quantize(x));
  }

  @Test
  void allZeroBlockHasNegativeZeroScaleAndMidCodes() {
    // d = 0 / -8 = -0.0 (f16 0x8000), id = 0, every q = 8
    assertArrayEquals(block(0x00, 0x80, 0x88), quantize(new float[32]));
  }

  @Test
  void dequantizesScaleTimesCodeMinusEight() {
    ByteBuffer in = ByteBuffer.wrap(block(0x00, 0xBC, 0x88, 0x80, 0x8F)).order(ByteOrder.LITTLE_ENDIAN);
    float[] y = new float[32];
    Q4_0.dequantize(in, y, 0, 32);
    float[] expected = new float[32];
    expected[0] = 8;
    expected[1] = -7;
    assertArrayEquals(expected, y, 0f);
  }
}
