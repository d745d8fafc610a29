package dev.ember.kvevents;

import dev.ember.engine.Engine;
import dev.ember.kv.KvEvent;
import dev.ember.kv.KvEventBatch;
import dev.ember.kv.KvEventUnion;
import dev.ember.kvevents.internal.ReplayService;
import dev.ember.kvevents.internal.VllmBatchEncoder;
import dev.ember.function.EngineDescription;
import dev.ember.function.EngineObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Publishes every engine's KV cache events on a ZMQ PUB socket in vLLM's wire format, so the KV-aware
 * routers of vLLM fleets (llm-d, Dynamo) index Ember replicas next to vLLM ones. Each message has three
 * frames: the topic, an 8-byte big-endian sequence number (one counter per publisher, from 0, one per
 * message) and the msgpack {@code KVEventBatch} ({@link VllmBatchEncoder}); with a replay endpoint, a
 * ROUTER socket resends the latest messages from a sequence number on ({@link ReplayService}). A function's
 * topic carries the union of its device contexts' caches ({@link KvEventUnion}): when one context's engine
 * closes (drain, scale to zero) the publisher sends the removal of the blocks only it held, and when the
 * last one closes, {@code AllBlocksCleared}.
 *
 * <p>The engine thread only offers each batch to a bounded queue (a full queue drops the batch and counts
 * it in {@code ember_kv_events_dropped_total}); one publisher thread encodes and sends. The socket lives
 * on that thread.
 *
 * <pre>{@code
 * KvEventPublisher p = KvEventPublisher.start(KvEventsOptions.of("tcp://*:5557"), meterRegistry);
 * registry.observeEngines(p); ... p.close();
 * }</pre>
 */
public final class KvEventPublisher implements EngineObserver, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KvEventPublisher.class.getName());
  /** How long close lets queued messages reach subscribers. */
  private static final int LINGER_MILLIS = 1000;
  private static final long POLL_MILLIS = 100;
  /**
   * How long a peer's ZMTP handshake may take before the connection is dropped and retried. JeroMQ's
   * default (30 s) was seen to leave a stalled handshake hanging that long; a retry succeeds at once.
   */
  private static final int HANDSHAKE_MILLIS = 1000;
  /** In a burst, replay requests are answered at least once per this many messages. */
  private static final int SERVE_EVERY = 256;

  /**
   * One function's topic and the union of its device contexts' caches: subscribers index a topic as one
   * engine, so a context that stops takes away only the blocks no other context holds.
   */
  private static final class Topic {
    final byte[] name;
    /** Guarded by this object. */
    final KvEventUnion union = new KvEventUnion();
    /** Device to the engine running there now and its description; guarded by this object. */
    final Map<String, Running> engines = new HashMap<>();

    Topic(byte[] name) {
      this.name = name;
    }
  }

  /** The engine of one device context, as it was described when it started. */
  private record Running(Engine engine, EngineDescription description) {}

  /** One queued batch and the topic it goes out on. */
  private record Pending(byte[] topic, double timestampSeconds, List<KvEvent> events) {}

  private final KvEventsOptions options;
  private final ZContext context;
  private final ZMQ.Socket socket;
  /** Resends kept messages on request, or null without a replay endpoint. */
  private final ReplayService replay;
  private final BlockingQueue<Pending> queue;
  private final Map<String, Topic> topics = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();

  private KvEventPublisher(KvEventsOptions options) {
    this.options = options;
    this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
    this.context = new ZContext(1);
    try {
      socket = context.createSocket(SocketType.PUB);
      socket.setSndHWM(options.sendHighWaterMark());
      socket.setLinger(LINGER_MILLIS);
      socket.setHandshakeIvl(HANDSHAKE_MILLIS);
      if (options.binds()) {
        socket.bind(options.endpoint());
      } else {
        socket.connect(options.endpoint());
      }
      if (options.replayEndpoint() != null) {
        ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
        router.setLinger(0);
        router.setHandshakeIvl(HANDSHAKE_MILLIS);
        router.bind(options.replayEndpoint());
        replay = new ReplayService(router, options.replayBatches());
      } else {
        replay = null;
      }
    } catch (RuntimeException e) {
      context.close();
      throw new IllegalStateException("cannot open the KV event sockets on " + options.endpoint()
          + (options.replayEndpoint() == null ? "" : " and " + options.replayEndpoint()) + ": " + e.getMessage(), e);
    }
    // The socket moves to the publisher thread here (Thread.start orders everything above before it).
    thread = new Thread(this::run, "ember-kv-events");
    thread.setDaemon(true);
  }

  /**
   * Opens the socket (binding or connecting, as {@link KvEventsOptions#binds} says), starts the publisher
   * thread and registers its metrics. Throws {@link IllegalStateException} when the socket cannot open.
   */
  public static KvEventPublisher start(KvEventsOptions options, MeterRegistry metrics) {
    KvEventPublisher p = new KvEventPublisher(options);
    p.thread.start();
    FunctionCounter.builder("ember.kv.events.dropped", p, KvEventPublisher::dropped)
        .description("KV event batches dropped because the publisher's queue was full").register(metrics);
    FunctionCounter.builder("ember.kv.events.published", p, KvEventPublisher::published)
        .description("KV event messages sent on the vLLM-compatible ZMQ socket").register(metrics);
    LOG.info(() -> "publishing KV events on " + options.endpoint() + (options.binds() ? " (bound)" : " (connected)"));
    return p;
  }

  /** Batches dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Messages sent so far; the next message's sequence number. */
  public long published() {
    return published.get();
  }

  @Override
  public void started(Engine engine, EngineDescription description) {
    Topic t = topics.computeIfAbsent(description.function(),
        f -> new Topic(options.topicFor(f).getBytes(StandardCharsets.UTF_8)));
    String device = description.device();
    synchronized (t) {
      t.engines.put(device, new Running(engine, description));
      offer(t, System.currentTimeMillis(), t.union.join(device));
    }
    engine.addKvEventListener(batch -> {
      synchronized (t) {
        // A batch the engine sends after its context stopped (or after another engine took the device)
        // is not the topic's any more: its blocks were already taken away at the stop.
        Running now = t.engines.get(device);
        if (now != null && now.engine() == engine) {
          offer(t, batch.timestampMillis(), t.union.apply(device, batch.events()));
        }
      }
    });
  }

  @Override
  public void stopped(EngineDescription description) {
    Topic t = topics.computeIfAbsent(description.function(),
        f -> new Topic(options.topicFor(f).getBytes(StandardCharsets.UTF_8)));
    synchronized (t) {
      Running now = t.engines.get(description.device());
      if (now != null && !now.description().equals(description)) {
        return; // an earlier engine of this device, already replaced: the union holds the new one
      }
      t.engines.remove(description.device());
      List<KvEvent> gone = t.union.leave(description.device());
      // An engine this publisher never saw start still had its blocks announced by someone: clear them.
      offer(t, System.currentTimeMillis(), gone.isEmpty() && t.union.members() == 0
          ? List.of(new KvEvent.AllBlocksCleared()) : gone);
    }
  }

  private void offer(Topic t, long timestampMillis, List<KvEvent> events) {
    if (!events.isEmpty()) {
      offer(new Pending(t.name, timestampMillis / 1000.0, events));
    }
  }

  /** Queues one batch of a step, never blocking; the counterpart of {@link KvEventBatch} on the wire. */
  private void offer(Pending p) {
    if (!running || !queue.offer(p)) {
      dropped.incrementAndGet();
    }
  }

  /** Stops taking batches; the publisher thread sends those queued, then closes the socket. Never blocks. */
  @Override
  public void close() {
    running = false;
  }

  /** Completes once the publisher thread has sent what was queued at close and closed its sockets. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  private void run() {
    VllmBatchEncoder encoder = new VllmBatchEncoder();
    try {
      int sinceServed = 0;
      while (running || !queue.isEmpty()) {
        Pending p = queue.poll();
        if (p == null || (replay != null && ++sinceServed == SERVE_EVERY)) {
          sinceServed = 0;
          if (replay != null) {
            replay.serve(); // the idle wait, or a short pause in a long burst
          } else if (p == null) {
            p = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
          }
          if (p == null) {
            continue;
          }
        }
        try {
          byte[] payload = encoder.encode(p.timestampSeconds(), p.events());
          socket.sendMore(p.topic());
          // A fresh array per message: the socket queues the frame's bytes without copying them.
          socket.sendMore(ByteBuffer.allocate(Long.BYTES).putLong(published.get()).array());
          socket.send(payload);
          if (replay != null) {
            replay.keep(published.get(), payload);
          }
          published.incrementAndGet();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "KV event batch not published", e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      context.close();
      terminated.complete(null);
    }
  }
}
