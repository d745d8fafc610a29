package dev.ember.cluster.internal;

import dev.ember.engine.Engine;
import dev.ember.engine.EngineStats;
import dev.ember.kv.KvEvent;
import dev.ember.kv.KvEventBatch;
import dev.ember.worker.EngineDescription;
import dev.ember.worker.EngineObserver;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This replica's engines as cluster members see them. On each engine's step thread it applies the
 * engine's KV event batches to this replica's prefix index and publishes them, tagged with the
 * engine's epoch (a new one per engine instance) and the batch's sequence number, on the clustered
 * event bus; it answers peers' snapshot requests with the engine's current block set and the
 * sequence that set is current to.
 *
 * <pre>{@code registry.observeEngines(localEngines); }</pre>
 */
public final class LocalEngines implements EngineObserver {
  /** Where every replica publishes its engines' event batches. */
  public static final String EVENTS_ADDRESS = "ember.kv.events";
  private static final String SNAPSHOT_ADDRESS = "ember.kv.snapshot.";

  private final EventBus bus;
  private final String member;
  private final PrefixIndex index;
  private final AtomicLong epochs = new AtomicLong();
  private final Map<String, Running> running = new ConcurrentHashMap<>();

  /**
   * One live engine: what it is, its event stream position, and (for load) the engine itself; or, with
   * both null, the blocks of a COLD function's prefix snapshot.
   */
  private static final class Running {
    final EngineDescription description;
    final Engine engine;
    final long epoch;
    final EngineBlocks blocks;
    long sequence = -1;

    Running(EngineDescription description, Engine engine, long epoch, EngineBlocks blocks) {
      this.description = description;
      this.engine = engine;
      this.epoch = epoch;
      this.blocks = blocks;
    }
  }

  public LocalEngines(EventBus bus, String member, PrefixIndex index) {
    this.bus = bus;
    this.member = member;
    this.index = index;
    // Epochs start from the clock so a restarted replica never reuses one a peer still remembers.
    epochs.set(System.currentTimeMillis() << 8);
  }

  /** The address a member answers snapshot requests on (the body names the function). */
  public static String snapshotAddress(String member) {
    return SNAPSHOT_ADDRESS + member;
  }

  /** Starts answering snapshot requests. */
  public void serveSnapshots() {
    bus.<String>consumer(snapshotAddress(member), this::snapshot);
  }

  @Override
  public void started(Engine engine, EngineDescription description) {
    EngineBlocks blocks = index.engine(new EngineId(member, description.function()));
    Running r = new Running(description, engine, epochs.incrementAndGet(), blocks);
    running.compute(description.function(), (f, before) -> {
      blocks.clear();
      return r;
    });
    engine.addKvEventListener(batch -> publish(r, batch));
  }

  @Override
  public void stopped(String function) {
    Running r = running.remove(function);
    if (r != null) {
      // The KV memory is about to be freed: the blocks are gone for routing purposes.
      publish(r, new KvEventBatch(r.sequence + 1, System.currentTimeMillis(), List.of(new KvEvent.AllBlocksCleared())));
    }
  }

  /** Ignored while an engine of the function runs (a snapshot read at deploy may come after a load began). */
  @Override
  public void coldPrefix(String function, long[] blockKeys, long[] chainStarts) {
    EngineBlocks blocks = index.engine(new EngineId(member, function));
    Running cold = new Running(null, null, epochs.incrementAndGet(), blocks);
    cold.sequence = 0;
    running.compute(function, (f, before) -> {
      if (before != null && before.engine != null) {
        return before;
      }
      blocks.replace(blockKeys, chainStarts);
      return cold;
    });
  }

  private void publish(Running r, KvEventBatch batch) {
    Buffer message;
    synchronized (r) {
      r.blocks.apply(batch.events());
      r.sequence = batch.sequence();
      message = KvEventCodec.encodeBatch(member, r.description.function(), r.epoch, batch.sequence(),
          batch.timestampMillis(), batch.events());
    }
    bus.publish(EVENTS_ADDRESS, message);
  }

  private void snapshot(Message<String> request) {
    Running r = running.get(request.body());
    if (r == null) {
      request.fail(404, "no engine for function " + request.body());
      return;
    }
    Buffer reply;
    synchronized (r) {
      reply = KvEventCodec.encodeSnapshot(r.epoch, r.sequence, r.blocks.toArray(), r.blocks.chainStarts());
    }
    request.reply(reply);
  }

  /** What the running engine of a function is, or null when none runs (COLD). */
  public EngineDescription description(String function) {
    Running r = running.get(function);
    return r == null ? null : r.description;
  }

  /** The function's engine epoch (or its COLD snapshot's), or 0 when neither. */
  public long epoch(String function) {
    Running r = running.get(function);
    return r == null ? 0 : r.epoch;
  }

  /** The last batch published by the function's engine, or -1. */
  public long sequence(String function) {
    Running r = running.get(function);
    if (r == null) {
      return -1;
    }
    synchronized (r) {
      return r.sequence;
    }
  }

  /** KV blocks held by running requests of the function's engine (0 when none runs). */
  public int activeBlocks(String function) {
    Running r = running.get(function);
    if (r == null || r.engine == null) {
      return 0;
    }
    EngineStats s = r.engine.stats();
    return (int) Math.round(s.kvUsage() * (r.description.numBlocks() - 1));
  }
}
