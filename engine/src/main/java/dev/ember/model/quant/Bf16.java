package dev.ember.model.quant;

/**
 * bfloat16 conversions, bit-exact with ggml's reference: the upper 16 bits of a float rounded to
 * nearest even (subnormals kept), NaN forced quiet.
 *
 * <pre>{@code short b = Bf16.fromFloat(1.0f); // 0x3F80 }</pre>
 */
public final class Bf16 {
  private Bf16() {}

  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  public static float toFloat(short b) {
    return Float.intBitsToFloat((b & 0xFFFF) << 16);
  }
}
