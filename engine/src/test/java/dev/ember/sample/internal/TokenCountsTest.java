package dev.ember.sample.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenCountsTest {

  @Test
  void countsOccurrencesAndKeepsInsertionOrderAcrossGrowth() {
    TokenCounts counts = new TokenCounts(1);
    for (int i = 0; i < 1000; i++) {
      counts.increment(i * 7919 % 151936);
      counts.increment(i * 7919 % 151936);
    }
    counts.increment(0);
    assertEquals(1000, counts.size());
    assertEquals(3, counts.count(0));
    assertEquals(2, counts.count(7919));
    assertEquals(0, counts.count(5));
    for (int i = 0; i < 1000; i++) {
      assertEquals(i * 7919 % 151936, counts.keyAt(i));
    }
    assertEquals(3, counts.countAt(0));
  }

  @Test
  void containsOnlyIncrementedKeys() {
    TokenCounts counts = new TokenCounts(4);
    counts.increment(151935);
    assertTrue(counts.contains(151935));
    assertFalse(counts.contains(0));
  }
}
