package dev.ember.cluster.internal;

import dev.ember.engine.Engine;
import dev.ember.engine.EngineStats;
import dev.ember.kv.KvEvent;
import dev.ember.kv.KvEventUnion;
import dev.ember.function.EngineDescription;
import dev.ember.function.EngineObserver;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This replica's engines as cluster members see them: one engine per function, the union of the
 * function's device contexts ({@link KvEventUnion}), so the cluster routes to the replica and the
 * replica's pool routes to the context. On each context's step thread it turns the context's KV event
 * batches into the function's, applies them to this replica's prefix index and publishes them, tagged
 * with the function's epoch (a new one each time the function's first context starts) and a sequence
 * number of its own; it answers peers' snapshot requests with the function's current block set and
 * the sequence that set is current to. A context that stops takes only the blocks no other context
 * holds; the last one to stop clears the function.
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
   * One function's running contexts: what they are, the union's event stream position, its blocks; or,
   * when {@code cold}, no context and the blocks of the prefix snapshot the function's next load restores.
   */
  private static final class Running {
    final String function;
    final long epoch;
    final EngineBlocks blocks;
    final boolean cold;
    final KvEventUnion union = new KvEventUnion();
    /** Device to its engine; guarded by this object, like {@link #sequence}. */
    final Map<String, Context> contexts = new LinkedHashMap<>();
    long sequence = -1;

    Running(String function, long epoch, EngineBlocks blocks, boolean cold) {
      this.function = function;
      this.epoch = epoch;
      this.blocks = blocks;
      this.cold = cold;
    }
  }

  /** One context's engine and what it is. */
  private record Context(EngineDescription description, Engine engine) {}

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
    String device = description.device();
    Running r;
    synchronized (this) {
      r = running.get(description.function());
      if (r == null || r.cold) {
        EngineBlocks blocks = index.engine(new EngineId(member, description.function()));
        blocks.clear();
        r = new Running(description.function(), epochs.incrementAndGet(), blocks, false);
        running.put(description.function(), r);
      }
      synchronized (r) {
        r.contexts.put(device, new Context(description, engine));
        publish(r, System.currentTimeMillis(), r.union.join(device));
      }
    }
    Running function = r;
    engine.addKvEventListener(batch -> {
      synchronized (function) {
        Context now = function.contexts.get(device);
        if (now != null && now.engine() == engine) { // not a stopped (or replaced) engine's last batches
          publish(function, batch.timestampMillis(), function.union.apply(device, batch.events()));
        }
      }
    });
  }

  @Override
  public void stopped(EngineDescription description) {
    synchronized (this) {
      Running r = running.get(description.function());
      if (r == null) {
        return;
      }
      synchronized (r) {
        Context c = r.contexts.get(description.device());
        if (c == null || !c.description().equals(description)) {
          return;
        }
        r.contexts.remove(description.device());
        // The KV memory is about to be freed: its blocks are gone for routing purposes, unless another
        // context holds them too (the last context's leaving clears the function).
        publish(r, System.currentTimeMillis(), r.union.leave(description.device()));
        if (r.contexts.isEmpty()) {
          running.remove(description.function());
        }
      }
    }
  }

  /**
   * Keeps a COLD function's snapshot blocks in the index under a new epoch (peers take them by snapshot
   * request), so a router choosing among COLD copies wakes the one that restores most of a prompt.
   * Ignored while a context of the function runs (a snapshot read at deploy may come after a load began,
   * and one context of several going COLD leaves the others' live blocks in place).
   */
  @Override
  public synchronized void coldPrefix(String function, long[] blockKeys, long[] chainStarts) {
    Running before = running.get(function);
    if (before != null && !before.cold) {
      return;
    }
    EngineBlocks blocks = index.engine(new EngineId(member, function));
    Running cold = new Running(function, epochs.incrementAndGet(), blocks, true);
    cold.sequence = 0;
    blocks.replace(blockKeys, chainStarts);
    running.put(function, cold);
  }

  /**
   * Applies and publishes the function's next batch; nothing for an empty one. Called holding {@code r}'s
   * monitor, so the contexts' batches keep one order in the index and on the bus.
   */
  private void publish(Running r, long timestampMillis, List<KvEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    r.blocks.apply(events);
    r.sequence++;
    bus.publish(EVENTS_ADDRESS, KvEventCodec.encodeBatch(member, r.function, r.epoch, r.sequence, timestampMillis,
        events));
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

  /** What the running engine of a function is (its first running context's), or null when none runs. */
  public EngineDescription description(String function) {
    Running r = running.get(function);
    if (r == null) {
      return null;
    }
    synchronized (r) {
      return r.contexts.isEmpty() ? null : r.contexts.values().iterator().next().description();
    }
  }

  /** The function's engine epoch, or 0 when none runs. */
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

  /** KV blocks held by running requests of the function's engines, every context's (0 when none runs). */
  public int activeBlocks(String function) {
    Running r = running.get(function);
    if (r == null) {
      return 0;
    }
    List<Context> contexts;
    synchronized (r) {
      contexts = List.copyOf(r.contexts.values());
    }
    int n = 0;
    for (Context c : contexts) {
      EngineStats s = c.engine().stats();
      n += (int) Math.round(s.kvUsage() * (c.description().numBlocks() - 1));
    }
    return n;
  }
}
