package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.kv.KvEvent;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrefixIndexTest {
  private final PrefixIndex index = new PrefixIndex();
  private final EngineId a = new EngineId("a", "demo");
  private final EngineId b = new EngineId("b", "demo");

  private static KvEvent chain(Long parent, long... hashes) {
    return new KvEvent.BlockStored(hashes, parent, new int[0], 16);
  }

  @Test
  void overlapIsTheLeadingRunOfThePromptsBlocks() {
    index.engine(a).apply(List.of(chain(null, 1, 2, 3), chain(3L, 4)));
    assertEquals(4, index.overlap(a, new long[] {1, 2, 3, 4, 5}));
    assertEquals(2, index.overlap(a, new long[] {1, 2, 9, 4}));
    assertEquals(0, index.overlap(a, new long[] {9, 1, 2}));
    assertEquals(0, index.overlap(b, new long[] {1}));
  }

  @Test
  void onlyEnginesHoldingThePromptsFirstBlockAreCandidatesForOverlap() {
    index.engine(a).apply(List.of(chain(null, 1, 2)));
    index.engine(b).apply(List.of(chain(null, 1), chain(null, 7, 8)));
    assertEquals(Set.of(a, b), index.holdersOfFirst(new long[] {1, 2}));
    assertEquals(Set.of(b), index.holdersOfFirst(new long[] {7}));
    assertEquals(Set.of(), index.holdersOfFirst(new long[] {2}), "a block with a parent starts no chain");

    index.engine(b).apply(List.of(new KvEvent.BlockRemoved(new long[] {1})));
    assertEquals(Set.of(a), index.holdersOfFirst(new long[] {1}));
    index.engine(a).apply(List.of(new KvEvent.AllBlocksCleared()));
    assertEquals(Set.of(), index.holdersOfFirst(new long[] {1}));
    index.removeMember("b");
    assertEquals(Set.of(), index.holdersOfFirst(new long[] {7}));
    assertEquals(0, index.chainStarts());
  }

  @Test
  void aSnapshotReplacesBlocksAndChainStarts() {
    index.engine(a).apply(List.of(chain(null, 1, 2)));
    index.engine(a).replace(new long[] {5, 6}, new long[] {5});
    assertEquals(Set.of(), index.holdersOfFirst(new long[] {1}));
    assertEquals(Set.of(a), index.holdersOfFirst(new long[] {5}));
    assertEquals(2, index.overlap(a, new long[] {5, 6}));
  }

  @Test
  void theWireFormKeepsWhichStoredEventsStartAChain() {
    var decoded = KvEventCodec.decodeBatch(KvEventCodec.encodeBatch("m", "demo", 3, 9, 100,
        List.of(chain(null, 1, 2), chain(2L, 3), new KvEvent.BlockRemoved(new long[] {1}), new KvEvent.AllBlocksCleared())));
    assertEquals(3, decoded.epoch());
    assertEquals(9, decoded.sequence());
    assertEquals(List.of(chain(null, 1, 2), chain(0L, 3), new KvEvent.BlockRemoved(new long[] {1}),
        new KvEvent.AllBlocksCleared()), decoded.events().stream().map(e -> e instanceof KvEvent.BlockStored s
            ? new KvEvent.BlockStored(s.blockHashes(), s.parentBlockHash(), new int[0], 16) : e).toList());
  }
}
