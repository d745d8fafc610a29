package dev.ember.cluster.internal;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which engines of the cluster hold which KV blocks, in this replica's memory: block hash to engines,
 * stored as one hash set per engine, so a routing decision walks the prompt's block hashes against
 * each candidate without a network round trip. Fed by the engines' KV event streams and join
 * snapshots; an engine that leaves takes its blocks with it.
 *
 * <pre>{@code int overlap = index.overlap(new EngineId(member, "demo"), promptHashes); }</pre>
 */
public final class PrefixIndex {
  private final Map<EngineId, EngineBlocks> engines = new ConcurrentHashMap<>();
  private final FirstBlocks firstBlocks = new FirstBlocks();

  /** The engine's block set, created empty on first use. */
  public EngineBlocks engine(EngineId id) {
    return engines.computeIfAbsent(id, k -> new EngineBlocks(k, firstBlocks));
  }

  /**
   * The engines whose cache starts with the prompt's first block: only these can have an overlap, so a
   * decision walks their prompts and takes every other engine's overlap as zero.
   */
  public Set<EngineId> holdersOfFirst(long[] promptHashes) {
    return holdingFirst(promptHashes).keySet();
  }

  /** The engines whose cache starts with the prompt's first block, with their block sets. */
  public Map<EngineId, EngineBlocks> holdingFirst(long[] promptHashes) {
    return promptHashes.length == 0 ? Map.of() : firstBlocks.holders(promptHashes[0]);
  }

  /** Distinct chain-start blocks indexed. */
  public int chainStarts() {
    return firstBlocks.size();
  }

  /** Leading prompt blocks the engine holds; 0 for an engine the index does not know. */
  public int overlap(EngineId id, long[] promptHashes) {
    EngineBlocks b = engines.get(id);
    return b == null ? 0 : b.overlap(promptHashes);
  }

  /** The engine's block set, or null when the index does not know the engine. */
  public EngineBlocks blocks(EngineId id) {
    return engines.get(id);
  }

  /** Blocks indexed for one engine (0 when unknown). */
  public int size(EngineId id) {
    EngineBlocks b = engines.get(id);
    return b == null ? 0 : b.size();
  }

  public void remove(EngineId id) {
    EngineBlocks b = engines.remove(id);
    if (b != null) {
      b.clear();
    }
  }

  /** Drops every engine of a member that left. */
  public void removeMember(String member) {
    for (EngineId id : engines.keySet()) {
      if (id.member().equals(member)) {
        remove(id);
      }
    }
  }

  /** Blocks indexed per member. */
  public Map<String, Long> blocksPerMember() {
    Map<String, Long> out = new TreeMap<>();
    engines.forEach((id, b) -> out.merge(id.member(), (long) b.size(), Long::sum));
    return out;
  }

  /** Blocks indexed for one member (0 when none). */
  public long blocks(String member) {
    long n = 0;
    for (Map.Entry<EngineId, EngineBlocks> e : engines.entrySet()) {
      if (e.getKey().member().equals(member)) {
        n += e.getValue().size();
      }
    }
    return n;
  }
}
