package dev.ember.kafka.internal;

import java.util.TreeSet;

/**
 * The offsets of one partition taken but not finished, and how far the partition may be committed: up
 * to (not including) its earliest unfinished offset, so a later request that finishes first never
 * commits past an earlier one still running. Event-loop confined.
 *
 * <pre>{@code p.taken(7); p.taken(8); p.finished(8); p.committable(); // 7 }</pre>
 */
public final class PartitionProgress {
  private final TreeSet<Long> open = new TreeSet<>();
  private long next = -1;
  private long committed = -1;

  /** A record at {@code offset} was received. */
  public void taken(long offset) {
    open.add(offset);
    next = Math.max(next, offset + 1);
  }

  /** The record at {@code offset} has its final reply acknowledged (or went to the dead-letter topic). */
  public void finished(long offset) {
    open.remove(offset);
  }

  /** The offset to commit (the next record to read), or -1 when nothing was taken. */
  public long committable() {
    return open.isEmpty() ? next : open.first();
  }

  /** True when {@link #committable()} is ahead of the last commit. */
  public boolean hasUncommitted() {
    long c = committable();
    return c > committed;
  }

  /** The commit of {@code offset} succeeded. */
  public void committed(long offset) {
    committed = Math.max(committed, offset);
  }
}
