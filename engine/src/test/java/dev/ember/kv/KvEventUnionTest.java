package dev.ember.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

class KvEventUnionTest {
  private static final int BS = 2;

  private static KvEvent.BlockStored stored(Long parent, long... hashes) {
    int[] tokens = new int[hashes.length * BS];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (int) hashes[i / BS] * 10 + i % BS;
    }
    return new KvEvent.BlockStored(hashes, parent, tokens, BS);
  }

  private static KvEvent.BlockRemoved removed(long... hashes) {
    return new KvEvent.BlockRemoved(hashes);
  }

  @Test
  void aSoleMembersBatchPassesUnchanged() {
    KvEventUnion u = new KvEventUnion();
    u.join("a");
    List<KvEvent> batch = List.of(stored(null, 1, 2), removed(2), new KvEvent.AllBlocksCleared());
    assertSame(batch, u.apply("a", batch));
  }

  @Test
  void aBlockEntersWhenTheFirstMemberStoresItAndLeavesWhenTheLastEvictsIt() {
    KvEventUnion u = new KvEventUnion();
    u.join("a");
    u.join("b");
    assertEquals(List.of(stored(null, 1, 2)), u.apply("a", List.of(stored(null, 1, 2))));
    assertEquals(List.of(), u.apply("b", List.of(stored(null, 1, 2))));
    assertEquals(List.of(), u.apply("a", List.of(removed(1, 2))));
    assertEquals(List.of(removed(1, 2)), u.apply("b", List.of(removed(1, 2))));
    assertEquals(0, u.size());
  }

  @Test
  void storesOfBlocksAnotherMemberHoldsSplitIntoRunsThatNameTheirParent() {
    KvEventUnion u = new KvEventUnion();
    u.join("a");
    u.join("b");
    u.apply("a", List.of(stored(null, 1, 2), stored(3L, 4)));
    assertEquals(List.of(stored(2L, 3), stored(4L, 5)), u.apply("b", List.of(stored(null, 1, 2, 3, 4, 5))));
    assertEquals(5, u.size());
  }

  @Test
  void aMemberLeavingRemovesOnlyTheBlocksNoOtherMemberHolds() {
    KvEventUnion u = new KvEventUnion();
    u.join("a");
    u.join("b");
    u.apply("a", List.of(stored(null, 1, 2, 3)));
    u.apply("b", List.of(stored(null, 1, 2), stored(null, 9)));
    List<KvEvent> gone = u.leave("a");
    assertEquals(List.of(removed(3)), gone);
    assertEquals(3, u.size());
    assertEquals(List.of(new KvEvent.AllBlocksCleared()), u.leave("b"));
    assertEquals(0, u.members());
  }

  @Test
  void aMemberClearingItsCacheRemovesOnlyTheBlocksNoOtherMemberHolds() {
    KvEventUnion u = new KvEventUnion();
    u.join("a");
    u.join("b");
    u.apply("a", List.of(stored(null, 1, 2)));
    u.apply("b", List.of(stored(null, 1)));
    assertEquals(List.of(removed(2)), u.apply("a", List.of(new KvEvent.AllBlocksCleared())));
    assertEquals(List.of(stored(1L, 2)), u.apply("a", List.of(stored(null, 1, 2))));
  }

  @Test
  void aMemberJoiningAgainStartsEmpty() {
    KvEventUnion u = new KvEventUnion();
    u.join("a");
    u.join("b");
    u.apply("a", List.of(stored(null, 7)));
    assertEquals(List.of(removed(7)), u.join("a"));
    assertEquals(List.of(stored(null, 7)), u.apply("a", List.of(stored(null, 7))));
  }
}
