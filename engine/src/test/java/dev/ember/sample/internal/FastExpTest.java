package dev.ember.sample.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FastExpTest {

  @Test
  void matchesMathExpWithinTheDocumentedRelativeError() {
    for (float x = 0f; x >= -87f; x -= 0.001f) {
      double exact = Math.exp(x);
      double bound = 2e-7 + 1e-7 * -x; // rounding x * log2(e) costs about 1e-7 per unit of |x|
      assertEquals(exact, FastExp.expNonPositive(x), exact * bound, "x = " + x);
    }
  }

  @Test
  void isExactAtZeroAndZeroBelowTheFloatRange() {
    assertEquals(1f, FastExp.expNonPositive(0f));
    assertEquals(0f, FastExp.expNonPositive(-88f));
    assertEquals(0f, FastExp.expNonPositive(Float.NEGATIVE_INFINITY));
  }
}
