package dev.ember.cluster.internal;

import dev.ember.function.FunctionState;

/**
 * An engine that could serve a request: this replica's own (local) or a peer's, with what the router
 * weighs: its state, its load in KV blocks of work queued ({@link QueuedWork}), and how many of the
 * prompt's leading blocks it already caches.
 *
 * @param forward host:port of the peer's forwarding endpoint (null when local)
 * @param recentRequests requests it admitted lately (decayed, {@link QueuedWork#recentRequests}): its share of the
 *     traffic, which the router's share guard weighs
 */
public record Candidate(EngineId engine, String replica, boolean local, FunctionState state, int queuedBlocks,
    int overlapBlocks, String forward, int recentRequests) {

  /** A candidate with no recent requests counted. */
  public Candidate(EngineId engine, String replica, boolean local, FunctionState state, int queuedBlocks,
      int overlapBlocks, String forward) {
    this(engine, replica, local, state, queuedBlocks, overlapBlocks, forward, 0);
  }

  /** This candidate with the given overlap. */
  Candidate withOverlap(int overlap) {
    return new Candidate(engine, replica, local, state, queuedBlocks, overlap, forward, recentRequests);
  }

  /** This candidate with the given load. */
  Candidate withQueuedBlocks(int queued) {
    return new Candidate(engine, replica, local, state, queued, overlapBlocks, forward, recentRequests);
  }

  /** WARM engines first, then those warming up, then COLD ones. */
  int stateRank() {
    return switch (state) {
      case WARM -> 0;
      case WARMING -> 1;
      default -> 2;
    };
  }
}
