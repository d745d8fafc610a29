package dev.ember.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The KV event stream of several engines seen as one cache, the union of theirs: what a function on
 * several device contexts publishes under one name. A block enters the union when the first member
 * stores it and leaves when the last member holding it evicts it, so one member's eviction, reset or
 * departure (a context draining) never takes away blocks another member still holds. Not thread-safe:
 * callers serialize (the members' events arrive on their own device threads).
 *
 * <pre>{@code
 * KvEventUnion union = new KvEventUnion();
 * union.join("cpu:0");  List<KvEvent> out = union.apply("cpu:0", batch.events());
 * List<KvEvent> gone = union.leave("cpu:0");  // removals, or AllBlocksCleared when it was the last member
 * }</pre>
 */
public final class KvEventUnion {
  private final Map<String, Set<Long>> members = new LinkedHashMap<>();

  /** Adds a member holding nothing yet (a new engine); a member already known starts over empty. */
  public List<KvEvent> join(String member) {
    List<KvEvent> out = members.containsKey(member) ? leave(member) : List.of();
    members.put(member, new HashSet<>());
    return out;
  }

  /** Current members. */
  public int members() {
    return members.size();
  }

  /** Blocks the union holds. */
  public int size() {
    Set<Long> all = new HashSet<>();
    members.values().forEach(all::addAll);
    return all.size();
  }

  /**
   * The union's events for one batch of a member's events, in order: stores of blocks no other member
   * held (split into runs that each name their parent), removals of blocks no other member holds. A
   * batch that changes nothing for the union gives an empty list; a batch of a sole member comes back
   * unchanged. Events of a member that has not joined, or has left, change nothing and give an empty
   * list: an engine's last batches can arrive after its context left, and counting them would keep
   * blocks in the union that no live member holds.
   */
  public List<KvEvent> apply(String member, List<KvEvent> events) {
    Set<Long> own = members.get(member);
    if (own == null) {
      return List.of();
    }
    if (members.size() == 1) {
      for (KvEvent e : events) {
        switch (e) {
          case KvEvent.BlockStored s -> addAll(own, s.blockHashes());
          case KvEvent.BlockRemoved r -> removeAll(own, r.blockHashes());
          case KvEvent.AllBlocksCleared c -> own.clear();
        }
      }
      return events;
    }
    List<KvEvent> out = new ArrayList<>(events.size());
    for (KvEvent e : events) {
      switch (e) {
        case KvEvent.BlockStored s -> stored(member, own, s, out);
        case KvEvent.BlockRemoved r -> removed(member, own, r.blockHashes(), out);
        case KvEvent.AllBlocksCleared c -> cleared(member, own, out);
      }
    }
    return out;
  }

  /**
   * Removes a member (its engine closed): the removals of the blocks only it held, or one
   * {@code AllBlocksCleared} when it was the last member.
   */
  public List<KvEvent> leave(String member) {
    Set<Long> own = members.remove(member);
    if (own == null) {
      return List.of();
    }
    if (members.isEmpty()) {
      return List.of(new KvEvent.AllBlocksCleared());
    }
    List<KvEvent> out = new ArrayList<>(1);
    removedOnly(member, own, out);
    return out;
  }

  private void stored(String member, Set<Long> own, KvEvent.BlockStored s, List<KvEvent> out) {
    long[] h = s.blockHashes();
    int runStart = -1;
    for (int i = 0; i <= h.length; i++) {
      boolean isNew = i < h.length && own.add(h[i]) && !heldByOthers(member, h[i]);
      if (isNew && runStart < 0) {
        runStart = i;
      } else if (!isNew && runStart >= 0) {
        out.add(run(s, runStart, i));
        runStart = -1;
      }
    }
  }

  /** Blocks {@code [from, to)} of a stored event, their parent the block before them. */
  private static KvEvent.BlockStored run(KvEvent.BlockStored s, int from, int to) {
    long[] h = s.blockHashes();
    if (from == 0 && to == h.length) {
      return s;
    }
    long[] hashes = Arrays.copyOfRange(h, from, to);
    Long parent = from == 0 ? s.parentBlockHash() : Long.valueOf(h[from - 1]);
    int bs = s.blockSize();
    int[] tokens = s.tokenIds().length >= to * bs ? Arrays.copyOfRange(s.tokenIds(), from * bs, to * bs)
        : new int[0];
    return new KvEvent.BlockStored(hashes, parent, tokens, bs);
  }

  private void removed(String member, Set<Long> own, long[] hashes, List<KvEvent> out) {
    long[] gone = new long[hashes.length];
    int n = 0;
    for (long h : hashes) {
      if (own.remove(h) && !heldByOthers(member, h)) {
        gone[n++] = h;
      }
    }
    if (n > 0) {
      out.add(new KvEvent.BlockRemoved(n == gone.length ? gone : Arrays.copyOf(gone, n)));
    }
  }

  private void cleared(String member, Set<Long> own, List<KvEvent> out) {
    removedOnly(member, own, out);
    own.clear();
  }

  /** The removal of a member's blocks that no other member holds, if any. */
  private void removedOnly(String member, Set<Long> own, List<KvEvent> out) {
    long[] gone = new long[own.size()];
    int n = 0;
    for (long h : own) {
      if (!heldByOthers(member, h)) {
        gone[n++] = h;
      }
    }
    if (n > 0) {
      out.add(new KvEvent.BlockRemoved(Arrays.copyOf(gone, n)));
    }
  }

  private boolean heldByOthers(String member, long hash) {
    for (Map.Entry<String, Set<Long>> m : members.entrySet()) {
      if (!m.getKey().equals(member) && m.getValue().contains(hash)) {
        return true;
      }
    }
    return false;
  }

  private static void addAll(Set<Long> set, long[] hashes) {
    for (long h : hashes) {
      set.add(h);
    }
  }

  private static void removeAll(Set<Long> set, long[] hashes) {
    for (long h : hashes) {
      set.remove(h);
    }
  }
}
