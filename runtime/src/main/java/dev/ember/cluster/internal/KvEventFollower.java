package dev.ember.cluster.internal;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Mirrors the peers' engines into this replica's {@link PrefixIndex}: follows every engine's event
 * batches by (epoch, sequence number), takes a snapshot of an engine it does not know yet or whose
 * stream it lost track of (a gap in the sequence, or a directory entry ahead of the events it saw),
 * buffering the batches that arrive meanwhile and applying those after the snapshot's sequence. All of
 * its state lives on one Vert.x context.
 *
 * <pre>{@code KvEventFollower f = KvEventFollower.start(vertx, self, index).await(); f.sync(directory.entries()); }</pre>
 */
public final class KvEventFollower {
  private static final Logger LOG = Logger.getLogger(KvEventFollower.class.getName());
  private static final long SNAPSHOT_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final Context context;
  private final String self;
  private final PrefixIndex index;
  private final Map<EngineId, Stream> streams = new HashMap<>();
  private volatile long lastLagMillis;
  private long snapshots;

  /** Where this replica is in one peer engine's event stream. */
  private static final class Stream {
    long epoch;
    long sequence = -1;
    boolean snapshotPending;
    /** Directory sequence seen ahead of {@link #sequence} on the previous check. */
    long behindSince = -1;
    final List<KvEventCodec.Batch> buffered = new ArrayList<>();
  }

  private KvEventFollower(Vertx vertx, Context context, String self, PrefixIndex index) {
    this.vertx = vertx;
    this.context = context;
    this.self = self;
    this.index = index;
  }

  /** Subscribes to the event batches; completes once the subscription is known cluster-wide. */
  public static Future<KvEventFollower> start(Vertx vertx, Context context, String self, PrefixIndex index) {
    KvEventFollower f = new KvEventFollower(vertx, context, self, index);
    io.vertx.core.Promise<KvEventFollower> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      MessageConsumer<Buffer> c = vertx.eventBus().consumer(LocalEngines.EVENTS_ADDRESS, m -> f.onBatch(m.body()));
      c.completion().map(f).onComplete(done);
    });
    return done.future();
  }

  /** Age of the newest batch applied, at the time it was applied (milliseconds). */
  public long lagMillis() {
    return lastLagMillis;
  }

  /** Snapshots taken so far. */
  public long snapshots() {
    return snapshots;
  }

  private void onBatch(Buffer body) {
    KvEventCodec.Batch b = KvEventCodec.decodeBatch(body);
    if (b.member().equals(self)) {
      return;
    }
    EngineId id = new EngineId(b.member(), b.function());
    Stream s = streams.computeIfAbsent(id, k -> new Stream());
    if (s.snapshotPending) {
      s.buffered.add(b);
      return;
    }
    if (b.epoch() != s.epoch) {
      if (b.sequence() == 0) {
        s.epoch = b.epoch();
        s.sequence = -1;
        index.engine(id).clear();
      } else {
        s.buffered.add(b);
        requestSnapshot(id, s);
        return;
      }
    }
    if (b.sequence() <= s.sequence) {
      return;
    }
    if (b.sequence() != s.sequence + 1) {
      LOG.fine(() -> "gap in " + id + " events: had " + s.sequence + ", got " + b.sequence());
      s.buffered.add(b);
      requestSnapshot(id, s);
      return;
    }
    apply(id, s, b);
  }

  private void apply(EngineId id, Stream s, KvEventCodec.Batch b) {
    index.engine(id).apply(b.events());
    s.sequence = b.sequence();
    lastLagMillis = Math.max(0, System.currentTimeMillis() - b.timestampMillis());
  }

  /**
   * Checks the followed streams against the directory (call on any thread): snapshots engines it has
   * not seen, or that stayed ahead of the events received for two checks in a row; forgets engines
   * that stopped or left.
   */
  public void sync(List<ReplicaEntry> entries) {
    context.runOnContext(v -> {
      Map<EngineId, ReplicaEntry> live = new HashMap<>();
      for (ReplicaEntry e : entries) {
        if (!e.member().equals(self) && e.kvEpoch() != 0) {
          live.put(e.engine(), e);
        }
      }
      streams.keySet().removeIf(id -> {
        if (!live.containsKey(id)) {
          index.remove(id);
          return true;
        }
        return false;
      });
      for (ReplicaEntry e : live.values()) {
        EngineId id = e.engine();
        Stream s = streams.computeIfAbsent(id, k -> new Stream());
        if (s.snapshotPending) {
          continue;
        }
        if (s.epoch != e.kvEpoch()) {
          requestSnapshot(id, s);
        } else if (e.kvSequence() > s.sequence) {
          if (s.behindSince >= 0 && s.behindSince < e.kvSequence()) {
            requestSnapshot(id, s);
          } else if (s.behindSince < 0) {
            s.behindSince = s.sequence;
          }
        } else {
          s.behindSince = -1;
        }
      }
    });
  }

  /** Drops everything known about a member's engines (it left the cluster). */
  public void forget(String member) {
    context.runOnContext(v -> {
      streams.keySet().removeIf(id -> id.member().equals(member));
      index.removeMember(member);
    });
  }

  /**
   * Takes a snapshot of every peer engine in the directory (joining: the index knows the others' blocks
   * before this replica takes requests); completes when all answered or failed.
   */
  public Future<Void> catchUp(List<ReplicaEntry> entries) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> all = new ArrayList<>();
      for (ReplicaEntry e : entries) {
        if (!e.member().equals(self) && e.kvEpoch() != 0) {
          Stream s = streams.computeIfAbsent(e.engine(), k -> new Stream());
          if (!s.snapshotPending) {
            all.add(requestSnapshot(e.engine(), s));
          }
        }
      }
      Future.join(all).<Void>mapEmpty().otherwiseEmpty().onComplete(done);
    });
    return done.future();
  }

  private Future<Void> requestSnapshot(EngineId id, Stream s) {
    s.snapshotPending = true;
    s.behindSince = -1;
    snapshots++;
    io.vertx.core.Promise<Void> taken = io.vertx.core.Promise.promise();
    vertx.eventBus().<Buffer>request(LocalEngines.snapshotAddress(id.member()), id.function(),
        new DeliveryOptions().setSendTimeout(SNAPSHOT_TIMEOUT_MS)).onComplete(r -> {
          taken.tryComplete();
          if (streams.get(id) != s) {
            return;
          }
          s.snapshotPending = false;
          if (r.failed()) {
            LOG.fine(() -> "no snapshot of " + id + ": " + r.cause());
            s.buffered.clear();
            return;
          }
          KvEventCodec.Snapshot snap = KvEventCodec.decodeSnapshot(r.result().body());
          s.epoch = snap.epoch();
          s.sequence = snap.sequence();
          index.engine(id).replace(snap.hashes(), snap.chainStarts());
          List<KvEventCodec.Batch> later = new ArrayList<>(s.buffered);
          s.buffered.clear();
          later.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
          for (KvEventCodec.Batch b : later) {
            if (b.epoch() != s.epoch || b.sequence() <= s.sequence) {
              continue;
            }
            if (b.sequence() != s.sequence + 1) {
              requestSnapshot(id, s);
              return;
            }
            apply(id, s, b);
          }
        });
    return taken.future();
  }
}
