package dev.ember.cluster.internal;

import dev.ember.kv.KvEvent;
import java.util.List;

/**
 * The cached blocks of one engine as this replica knows them. Writers (the engine's event feed) and
 * readers (routing decisions on any event loop) meet on the object's monitor, held only for the
 * length of one batch or one prompt walk.
 */
public final class EngineBlocks {
  private final LongHashSet blocks = new LongHashSet();

  /** Applies one batch of events in order. */
  public synchronized void apply(List<KvEvent> events) {
    for (KvEvent e : events) {
      switch (e) {
        case KvEvent.BlockStored s -> {
          for (long h : s.blockHashes()) {
            blocks.add(h);
          }
        }
        case KvEvent.BlockRemoved r -> {
          for (long h : r.blockHashes()) {
            blocks.remove(h);
          }
        }
        case KvEvent.AllBlocksCleared c -> blocks.clear();
      }
    }
  }

  /** Replaces everything with a snapshot. */
  public synchronized void replace(long[] hashes) {
    blocks.clear();
    for (long h : hashes) {
      blocks.add(h);
    }
  }

  public synchronized void clear() {
    blocks.clear();
  }

  /** How many of the prompt's leading blocks this engine holds (the run stops at the first miss). */
  public synchronized int overlap(long[] promptHashes) {
    int n = 0;
    while (n < promptHashes.length && blocks.contains(promptHashes[n])) {
      n++;
    }
    return n;
  }

  public synchronized int size() {
    return blocks.size();
  }

  public synchronized long[] toArray() {
    return blocks.toArray();
  }

  public synchronized boolean contains(long hash) {
    return blocks.contains(hash);
  }

  /** Bytes of the hash table. */
  public synchronized long tableBytes() {
    return blocks.tableBytes();
  }
}
