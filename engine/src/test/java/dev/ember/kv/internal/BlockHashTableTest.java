package dev.ember.kv.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlockHashTableTest {

  @Test
  void agreesWithAHashMapUnderRandomPutsAndRemoves() {
    Random random = new Random(7);
    BlockHashTable table = new BlockHashTable(64);
    Map<Long, Integer> reference = new HashMap<>();
    long[] keyspace = new long[200];
    for (int i = 0; i < keyspace.length; i++) {
      keyspace[i] = random.nextLong();
    }
    for (int op = 0; op < 50_000; op++) {
      long key = keyspace[random.nextInt(keyspace.length)];
      if (reference.containsKey(key)) {
        assertEquals((int) reference.remove(key), table.remove(key));
      } else if (reference.size() < 64) {
        int block = random.nextInt(1000);
        reference.put(key, block);
        table.put(key, block);
      }
      long probe = keyspace[random.nextInt(keyspace.length)];
      assertEquals(reference.getOrDefault(probe, -1), table.get(probe));
      assertEquals(reference.size(), table.size());
    }
  }

  @Test
  void removingAnAbsentKeyReturnsMinusOne() {
    BlockHashTable table = new BlockHashTable(4);
    table.put(5L, 1);
    assertEquals(-1, table.remove(6L));
    assertEquals(1, table.remove(5L));
    assertEquals(-1, table.get(5L));
  }
}
