package dev.ember.kv.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FreeBlockQueueTest {

  @Test
  void popsInAppendOrderAfterRemovalsFromTheMiddleAndEnds() {
    FreeBlockQueue q = new FreeBlockQueue(8);
    for (int b : new int[] {5, 1, 7, 3, 2}) {
      q.append(b);
    }
    q.remove(7);
    q.remove(5);
    q.remove(2);
    q.append(5);
    List<Integer> order = new ArrayList<>();
    for (int b = q.popHead(); b >= 0; b = q.popHead()) {
      order.add(b);
    }
    assertEquals(List.of(1, 3, 5), order);
    assertEquals(0, q.size());
  }

  @Test
  void aBlockCannotBeQueuedTwiceOrRemovedWhenAbsent() {
    FreeBlockQueue q = new FreeBlockQueue(4);
    q.append(1);
    assertThrows(IllegalStateException.class, () -> q.append(1));
    assertThrows(IllegalStateException.class, () -> q.remove(2));
  }
}
