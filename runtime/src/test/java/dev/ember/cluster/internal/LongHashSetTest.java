package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LongHashSetTest {
  @Test
  void behavesLikeASetOfLongsUnderRandomAddsAndRemoves() {
    Random random = new Random(42);
    LongHashSet set = new LongHashSet();
    Set<Long> reference = new HashSet<>();
    for (int i = 0; i < 200_000; i++) {
      // A small key range forces collisions, long probe runs and removals inside them; 0 is a key too.
      long key = random.nextInt(5_000) - 100L;
      if (random.nextInt(3) == 0) {
        assertEquals(reference.remove(key), set.remove(key), "remove " + key);
      } else {
        assertEquals(reference.add(key), set.add(key), "add " + key);
      }
      if (i % 10_000 == 0) {
        for (long k = -100; k < 4_900; k++) {
          assertEquals(reference.contains(k), set.contains(k), "contains " + k);
        }
      }
    }
    assertEquals(reference.size(), set.size());
    long[] all = set.toArray();
    Arrays.sort(all);
    assertArrayEquals(reference.stream().mapToLong(Long::longValue).sorted().toArray(), all);
    set.clear();
    assertEquals(0, set.size());
  }
}
