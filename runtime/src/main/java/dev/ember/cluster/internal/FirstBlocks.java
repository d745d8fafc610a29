package dev.ember.cluster.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engines holding each chain-start block (a prompt's first block), across the cluster, with their
 * block sets: a routing decision looks up the prompt's first block here once and walks the prompts of
 * those engines only, since every other engine's overlap is zero, and reaches each one's blocks without
 * a second lookup. Chain starts are few next to all blocks (one per distinct prompt beginning), so this
 * map stays small.
 */
final class FirstBlocks {
  private final Map<Long, Map<EngineId, EngineBlocks>> holders = new ConcurrentHashMap<>();

  void add(long hash, EngineBlocks engine) {
    holders.computeIfAbsent(hash, h -> new ConcurrentHashMap<>()).put(engine.id(), engine);
  }

  /** Removes the engine's block set (not a newer set of the same engine that replaced it). */
  void remove(long hash, EngineBlocks engine) {
    holders.computeIfPresent(hash, (h, map) -> {
      map.remove(engine.id(), engine);
      return map.isEmpty() ? null : map;
    });
  }

  /** The engines holding the block as a chain start, with their block sets (empty when none). */
  Map<EngineId, EngineBlocks> holders(long hash) {
    Map<EngineId, EngineBlocks> m = holders.get(hash);
    return m == null ? Map.of() : m;
  }

  int size() {
    return holders.size();
  }
}
