package dev.ember.model.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class Fp16Test {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "1.0, 3C00",
    "-2.0, C000",
    "0.0, 0000",
    "-0.0, 8000",
    "65504.0, 7BFF",
    "65519.99, 7BFF", // just below the rounding midpoint to infinity
    "65520.0, 7C00", // the midpoint rounds to even, which is infinity
    "Infinity, 7C00",
    "-Infinity, FC00",
    "NaN, 7E00",
    "5.9604645E-8, 0001", // 2^-24, the smallest subnormal
    "2.9802322E-8, 0000", // 2^-25: a tie, rounds to even zero
    "4.4703484E-8, 0001", // 1.5 * 2^-25 rounds up
    "8.940697E-8, 0002", // 1.5 * 2^-24: a tie between 1 and 2, rounds to even 2
    "6.097555E-5, 03FF", // largest subnormal
    "6.1035156E-5, 0400", // 2^-14, smallest normal
    "1.00048828125, 3C00", // 1 + 2^-11: tie, rounds to even 1.0
    "1.00146484375, 3C02", // 1 + 3 * 2^-11: tie, rounds to even 1 + 2^-9
  })
  void convertsFloatToHalfWithRoundToNearestEven(float value, String hex) {
    assertEquals(Integer.parseInt(hex, 16), Fp16.fromFloat(value) & 0xFFFF);
  }

  @Test
  void matchesTheJdkConversionOnASweepOfAllFloatBitPatterns() {
    for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += 4099) {
      float f = Float.intBitsToFloat((int) bits);
      if (!Float.isNaN(f)) {
        assertEquals(Float.floatToFloat16(f), Fp16.fromFloat(f), () -> Float.toString(f));
      }
    }
  }

  @Test
  void convertsEveryHalfToTheExactFloat() {
    for (int h = 0; h < 0x10000; h++) {
      float expected = Float.float16ToFloat((short) h);
      float actual = Fp16.toFloat((short) h);
      int half = h;
      assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), () -> Integer.toHexString(half));
    }
  }
}
