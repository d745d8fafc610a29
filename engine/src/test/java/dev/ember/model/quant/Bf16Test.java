package dev.ember.model.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Bf16Test {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "3F800000, 3F80", // 1.0
    "3F808000, 3F80", // 1 + 2^-8: tie, rounds to even
    "3F818000, 3F82", // tie, rounds up to even
    "3F808001, 3F81", // just above the tie
    "00000001, 0000", // smallest float subnormal rounds to zero
    "00008000, 0000", // tie at subnormal scale, rounds to even zero
    "00018000, 0002", // subnormal tie rounds to even
    "7F7FFFFF, 7F80", // max float rounds to infinity
    "FF800000, FF80", // -infinity
    "7F800001, 7FC0", // signalling NaN is forced quiet
    "FFC00000, FFC0", // quiet NaN keeps its sign
  })
  void roundsFloatBitsToNearestEven(String floatHex, String bf16Hex) {
    float f = Float.intBitsToFloat(Integer.parseUnsignedInt(floatHex, 16));
    assertEquals(Integer.parseInt(bf16Hex, 16), Bf16.fromFloat(f) & 0xFFFF);
  }

  @ParameterizedTest
  @CsvSource({"3F80, 1.0", "C040, -3.0", "0001, 9.18355E-41"})
  void widensByAppendingZeroBits(String hex, float expected) {
    assertEquals(expected, Bf16.toFloat((short) Integer.parseInt(hex, 16)));
  }
}
