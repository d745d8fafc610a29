package dev.ember.model.quant;

/**
 * IEEE 754 binary16 conversions, bit-exact with ggml's scalar reference: round to nearest even,
 * subnormals kept, overflow to infinity, and NaN mapped to the quiet NaN {@code 0x7E00} with its sign.
 *
 * <pre>{@code short h = Fp16.fromFloat(1.0f); // 0x3C00 }</pre>
 */
public final class Fp16 {
  private Fp16() {}

  /** Converts a float to binary16 bits, rounding to nearest even. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7FFF_FFFF;
    if (abs > 0x7F80_0000) {
      return (short) (sign | 0x7E00);
    }
    if (abs >= 0x4780_0000) { // >= 65536: beyond the largest half even after rounding
      return (short) (sign | 0x7C00);
    }
    int exp = abs >>> 23;
    if (exp >= 113) { // normal half: exponent 2^-14 and above
      int mant = abs & 0x7F_FFFF;
      int half = ((exp - 112) << 10) | (mant >>> 13);
      int rest = mant & 0x1FFF;
      if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
        half++; // a carry into the exponent is the correct result, up to infinity
      }
      return (short) (sign | half);
    }
    if (exp < 102) { // below half the smallest subnormal (2^-25): rounds to zero
      return (short) sign;
    }
    int mant = (abs & 0x7F_FFFF) | 0x80_0000;
    int shift = 126 - exp; // value = mant * 2^(exp-150); subnormal unit = 2^-24
    int half = mant >>> shift;
    int rest = mant & ((1 << shift) - 1);
    int halfway = 1 << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
      half++;
    }
    return (short) (sign | half);
  }

  /** Converts binary16 bits to the exactly equal float (NaN payloads kept, made quiet). */
  public static float toFloat(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) { // infinity, or NaN made quiet as F16C and ggml's reference do
      return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13) | (mant != 0 ? 0x40_0000 : 0));
    }
    if (exp != 0) {
      return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
    float magnitude = mant * 0x1p-24f;
    return sign != 0 ? -magnitude : magnitude;
  }
}
