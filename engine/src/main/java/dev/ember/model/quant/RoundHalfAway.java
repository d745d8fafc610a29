package dev.ember.model.quant;

/**
 * C's {@code roundf}: to the nearest integer, halves away from zero ({@link Math#round(float)}
 * rounds -2.5 to -2; this rounds it to -3). Exact for |v| below 2^31.
 */
final class RoundHalfAway {
  private RoundHalfAway() {}

  static int round(float v) {
    int i = (int) v;
    float frac = v - i; // exact: i holds v's integer part
    if (frac >= 0.5f) {
      return i + 1;
    }
    if (frac <= -0.5f) {
      return i - 1;
    }
    return i;
  }
}
