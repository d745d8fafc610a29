package dev.ember.function;

import dev.ember.kv.KvEvent;
import dev.ember.kv.KvEventBatch;
import dev.ember.kv.KvEventListener;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The block keys one device context's prefix cache holds, mirrored from its engine's KV events (the same
 * stream a cluster's prefix index follows), so a router can ask for a prompt's overlap from any thread
 * without touching the engine.
 *
 * <pre>{@code engine.setKvEventListener(index); int blocks = index.overlapBlocks(promptKeys); }</pre>
 */
final class ContextPrefixIndex implements KvEventListener {
  private final Set<Long> keys = ConcurrentHashMap.newKeySet();

  @Override
  public void onBatch(KvEventBatch batch) {
    for (KvEvent e : batch.events()) {
      switch (e) {
        case KvEvent.BlockStored s -> {
          for (long k : s.blockHashes()) {
            keys.add(k);
          }
        }
        case KvEvent.BlockRemoved r -> {
          for (long k : r.blockHashes()) {
            keys.remove(k);
          }
        }
        case KvEvent.AllBlocksCleared c -> keys.clear();
      }
    }
  }

  /** The number of the prompt's leading block keys cached here. */
  int overlapBlocks(long[] promptBlockKeys) {
    int n = 0;
    while (n < promptBlockKeys.length && keys.contains(promptBlockKeys[n])) {
      n++;
    }
    return n;
  }

  void clear() {
    keys.clear();
  }
}
