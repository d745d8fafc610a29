package dev.ember.cluster.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The work of the requests this replica forwarded that their peer has not admitted yet, per peer engine:
 * until a peer admits a request it cannot count it in the load it publishes, so the replica that sent it
 * adds it to that peer's figure itself, and several requests arriving together do not all see the same
 * idle peer. Once admitted (or refused, or lost) the request leaves this tally; the peer's own figure
 * carries it from then on.
 *
 * <pre>{@code Runnable settle = unadmitted.add(peer.engine(), blocks); ... settle.run(); unadmitted.addTo(candidates); }</pre>
 */
final class UnadmittedForwards {
  private final Map<EngineId, Integer> blocks = new ConcurrentHashMap<>();

  /** Counts a request sent to the engine; run the returned action when the peer answered (runs once). */
  Runnable add(EngineId engine, int work) {
    blocks.merge(engine, work, Integer::sum);
    boolean[] settled = {false};
    return () -> {
      if (!settled[0]) {
        settled[0] = true;
        blocks.computeIfPresent(engine, (e, n) -> n - work <= 0 ? null : n - work);
      }
    };
  }

  /** Work sent to the engine and not admitted there yet. */
  int of(EngineId engine) {
    Integer n = blocks.get(engine);
    return n == null ? 0 : n;
  }

  /** Adds each peer candidate's unadmitted work to its load, in place; nothing to do while there is none. */
  void addTo(List<Candidate> candidates) {
    if (blocks.isEmpty()) {
      return;
    }
    for (int i = 0, n = candidates.size(); i < n; i++) {
      Candidate c = candidates.get(i);
      Integer sent = c.local() ? null : blocks.get(c.engine());
      if (sent != null) {
        candidates.set(i, c.withQueuedBlocks(c.queuedBlocks() + sent));
      }
    }
  }
}
