package dev.ember.cluster.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engines holding each chain-start block (a prompt's first block), across the cluster: a routing
 * decision looks up the prompt's first block here once and walks the prompts of those engines only,
 * since every other engine's overlap is zero. Chain starts are few next to all blocks (one per distinct
 * prompt beginning), so this map stays small.
 */
final class FirstBlocks {
  private final Map<Long, Set<EngineId>> holders = new ConcurrentHashMap<>();

  void add(long hash, EngineId engine) {
    holders.computeIfAbsent(hash, h -> ConcurrentHashMap.newKeySet()).add(engine);
  }

  void remove(long hash, EngineId engine) {
    holders.computeIfPresent(hash, (h, set) -> {
      set.remove(engine);
      return set.isEmpty() ? null : set;
    });
  }

  /** The engines holding the block as a chain start (empty when none). */
  Set<EngineId> holders(long hash) {
    Set<EngineId> s = holders.get(hash);
    return s == null ? Set.of() : s;
  }

  int size() {
    return holders.size();
  }
}
