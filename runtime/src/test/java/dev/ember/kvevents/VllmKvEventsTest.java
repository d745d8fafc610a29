package dev.ember.kvevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Engine;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionManifest.EngineSettings;
import dev.ember.function.FunctionManifest.Limits;
import dev.ember.kv.KvEvent;
import dev.ember.kv.KvEventBatch;
import dev.ember.server.ServerOptions;
import dev.ember.server.TestServer;
import dev.ember.function.EngineDescription;
import dev.ember.function.EngineObserver;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A real ZMQ subscriber decodes a replica's KV events (frames and msgpack, independently of the
 * production encoder) and finds the engine's own events, in order, one message per engine batch: the
 * blocks a prompt stores, the blocks a small cache evicts, and the clear when the function is drained.
 */
class VllmKvEventsTest {
  private static final String FUNCTION = "kvtest";
  private static final String TOPIC = "kv@test@{function}";
  private static final int BLOCK_SIZE = 16;
  /** About ten blocks of the demo model's KV cache: a few prompts fill it, so later ones evict. */
  private static final long KV_BYTES = 40L << 10;
  private static final Duration RECEIVE = Duration.ofSeconds(10);

  /** One decoded message: its frames and the batch's fields. */
  private record Message(String topic, long sequence, double timestampSeconds, List<KvEvent> events, int rank) {}

  private final BlockingQueue<KvEventBatch> engineBatches = new LinkedBlockingQueue<>();
  private final List<KvEventBatch> engineSeen = new ArrayList<>();

  @Test
  void aSubscriberDecodesTheEnginesEventsThenTheClearOfADrain() throws Exception {
    try (ZContext zmq = new ZContext(1)) {
      ZMQ.Socket sub = zmq.createSocket(SocketType.SUB);
      sub.subscribe("kv@test@".getBytes(StandardCharsets.UTF_8));
      sub.setReceiveTimeOut(250);
      sub.setHandshakeIvl(1000);
      // A concrete host: the replica connects to this subscriber, as vLLM's publisher would.
      int port = sub.bindToRandomPort("tcp://127.0.0.1");
      ServerOptions options = TestServer.options(List.of(), Duration.ofSeconds(5))
          .withKvEvents(KvEventsOptions.of("tcp://127.0.0.1:" + port).withTopic(TOPIC)
              .withReplay("tcp://127.0.0.1:" + freePort()));
      try (TestServer s = TestServer.start(options)) {
        s.server().registry().observeEngines(new EngineObserver() {
          @Override
          public void started(Engine engine, EngineDescription description) {
            engine.addKvEventListener(engineBatches::add);
          }

          @Override
          public void stopped(EngineDescription description) {}
        });
        s.server().registry().deploy(manifest()).await(60, TimeUnit.SECONDS);

        // A PUB socket drops what it sends before the subscription reaches it: prompt until one arrives.
        Message first = null;
        for (int i = 0; i < 40 && first == null; i++) {
          complete(s, prompt(1000 + i));
          first = receive(sub, Duration.ofMillis(250));
        }
        assertNotNull(first, "no KV event message reached the subscriber");
        List<Message> got = new ArrayList<>(List.of(first));
        assertEqualsEngineBatch(first);

        // A prompt of several blocks: its BlockStored carries the chain of hashes and tokens.
        complete(s, prompt(1));
        Message stored = receiveUntil(sub, got, m -> m.events().stream()
            .anyMatch(e -> e instanceof KvEvent.BlockStored b && b.blockHashes().length >= 2), true);
        KvEvent.BlockStored b = (KvEvent.BlockStored) stored.events().stream()
            .filter(e -> e instanceof KvEvent.BlockStored x && x.blockHashes().length >= 2).findFirst().orElseThrow();
        assertEquals(BLOCK_SIZE, b.blockSize());
        assertEquals(b.blockHashes().length * BLOCK_SIZE, b.tokenIds().length);

        // Distinct prompts overflow the small cache: the evictions arrive as BlockRemoved.
        for (int i = 2; i < 30 && got.stream().noneMatch(VllmKvEventsTest::removes); i++) {
          complete(s, prompt(i));
          drainAvailable(sub, got);
        }
        assertTrue(got.stream().anyMatch(VllmKvEventsTest::removes), "no BlockRemoved after 30 distinct prompts");
        assertRemovedBlocksWereStoredBefore();

        // Draining the function frees its cache: AllBlocksCleared, after every engine batch.
        s.server().registry().undeploy(FUNCTION, Duration.ofSeconds(5)).await(30, TimeUnit.SECONDS);
        Message cleared = receiveUntil(sub, got,
            m -> m.events().equals(List.of(new KvEvent.AllBlocksCleared())), false);
        assertEquals(engineSeen.size() + engineBatches.size(), cleared.sequence(),
            "the clear follows the engine's last batch");

        for (int i = 1; i < got.size(); i++) {
          assertEquals(got.get(i - 1).sequence() + 1, got.get(i).sequence(), "sequence numbers increase by one");
        }
        for (Message m : got) {
          assertEquals("kv@test@" + FUNCTION, m.topic());
          assertEquals(0, m.rank());
        }
        // The replay socket resends every message from 0 on, the ones the subscriber missed included.
        List<Message> replayed = replay(zmq, options.kvEvents().replayEndpoint());
        assertEquals(cleared.sequence() + 1, replayed.size());
        for (int i = 0; i < replayed.size(); i++) {
          Message r = replayed.get(i);
          assertEquals(i, r.sequence());
          if (i < cleared.sequence()) {
            assertEqualsEngineBatch(r);
          }
        }
        assertEquals(got, replayed.subList((int) first.sequence(), replayed.size()).stream()
            .map(r -> new Message("kv@test@" + FUNCTION, r.sequence(), r.timestampSeconds(), r.events(), r.rank()))
            .toList());

        String metrics = s.send(s.get("/metrics")).body();
        assertTrue(metrics.contains("ember_kv_events_dropped_total 0.0"), "the drop counter is exposed and zero");
      }
    }
  }

  /** Every evicted hash entered the cache in an earlier batch (or earlier in the same one). */
  private void assertRemovedBlocksWereStoredBefore() {
    java.util.Set<Long> stored = new java.util.HashSet<>();
    for (KvEventBatch batch : engineSeen) {
      for (KvEvent e : batch.events()) {
        if (e instanceof KvEvent.BlockStored b) {
          for (long h : b.blockHashes()) {
            stored.add(h);
          }
        } else if (e instanceof KvEvent.BlockRemoved r) {
          for (long h : r.blockHashes()) {
            assertTrue(stored.remove(h), "removed block " + h + " was never stored");
          }
        }
      }
    }
  }

  /** vLLM's replay request from a DEALER: {@code ["", start]}; replies {@code ["", seq, payload]} until seq -1. */
  private static List<Message> replay(ZContext zmq, String endpoint) {
    ZMQ.Socket dealer = zmq.createSocket(SocketType.DEALER);
    dealer.setReceiveTimeOut((int) RECEIVE.toMillis());
    dealer.setHandshakeIvl(1000);
    dealer.connect(endpoint);
    dealer.sendMore(new byte[0]);
    dealer.send(ByteBuffer.allocate(Long.BYTES).putLong(0).array());
    List<Message> out = new ArrayList<>();
    while (true) {
      byte[] delimiter = dealer.recv();
      assertNotNull(delimiter, "replay ended without the end marker");
      assertEquals(0, delimiter.length);
      long seq = ByteBuffer.wrap(dealer.recv()).getLong();
      byte[] payload = dealer.recv();
      if (seq == -1) {
        assertEquals(0, payload.length);
        dealer.close();
        return out;
      }
      out.add(decode(new byte[0], seq, payload));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static boolean removes(Message m) {
    return m.events().stream().anyMatch(e -> e instanceof KvEvent.BlockRemoved);
  }

  private static FunctionManifest manifest() {
    return FunctionManifest.of(FUNCTION, FunctionManifest.ModelSpec.EMBEDDED_DEMO, null)
        .withEngine(new EngineSettings(128, 4, 128, BLOCK_SIZE, KV_BYTES, 1, true))
        .withLimits(new Limits(16, 8));
  }

  /** A prompt of a few blocks, different for each {@code i}. */
  private static String prompt(int i) {
    StringBuilder sb = new StringBuilder("Story " + i + ":");
    for (int w = 0; w < 12; w++) {
      sb.append(' ').append(Integer.toString(i * 31 + w * 7, 36)).append(" and");
    }
    return sb.toString();
  }

  private static void complete(TestServer s, String prompt) throws IOException, InterruptedException {
    HttpResponse<String> r = s.send(s.post("/v1/completions", "application/json",
        "{\"model\":\"" + FUNCTION + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":2,\"temperature\":0}"));
    assertEquals(200, r.statusCode(), r.body());
  }

  /**
   * Receives until a message matches, checking each against the engine batch of its sequence number (the
   * matching one too, unless the publisher wrote it itself).
   */
  private Message receiveUntil(ZMQ.Socket sub, List<Message> got, Predicate<Message> done, boolean fromEngine)
      throws InterruptedException {
    long deadline = System.nanoTime() + RECEIVE.toNanos();
    while (System.nanoTime() < deadline) {
      Message m = receive(sub, Duration.ofMillis(250));
      if (m != null) {
        got.add(m);
        if (fromEngine || !done.test(m)) {
          assertEqualsEngineBatch(m);
        }
        if (done.test(m)) {
          return m;
        }
      }
    }
    throw new AssertionError("expected message not received within " + RECEIVE);
  }

  private void drainAvailable(ZMQ.Socket sub, List<Message> got) throws InterruptedException {
    for (Message m = receive(sub, Duration.ofMillis(250)); m != null; m = receive(sub, Duration.ofMillis(50))) {
      got.add(m);
      assertEqualsEngineBatch(m);
    }
  }

  /** The publisher numbers messages from 0, one per engine batch: message n carries engine batch n. */
  private void assertEqualsEngineBatch(Message m) throws InterruptedException {
    while (engineSeen.size() <= m.sequence()) {
      KvEventBatch next = engineBatches.poll(RECEIVE.toMillis(), TimeUnit.MILLISECONDS);
      assertNotNull(next, "no engine batch for message " + m.sequence());
      engineSeen.add(next);
    }
    KvEventBatch expected = engineSeen.get((int) m.sequence());
    assertEquals(expected.events(), m.events(), "message " + m.sequence());
    assertEquals(expected.timestampMillis() / 1000.0, m.timestampSeconds(), 1e-6);
  }

  private static Message receive(ZMQ.Socket sub, Duration timeout) {
    sub.setReceiveTimeOut((int) timeout.toMillis());
    byte[] topic = sub.recv();
    if (topic == null) {
      return null;
    }
    assertTrue(sub.hasReceiveMore());
    byte[] seq = sub.recv();
    assertEquals(8, seq.length);
    assertTrue(sub.hasReceiveMore());
    byte[] payload = sub.recv();
    assertTrue(!sub.hasReceiveMore(), "three frames");
    return decode(topic, ByteBuffer.wrap(seq).getLong(), payload);
  }

  private static Message decode(byte[] topic, long seq, byte[] payload) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload)) {
      assertEquals(3, u.unpackArrayHeader());
      double ts = u.unpackDouble();
      int n = u.unpackArrayHeader();
      List<KvEvent> events = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        events.add(event(u));
      }
      int rank = u.unpackInt();
      assertTrue(!u.hasNext());
      return new Message(new String(topic, StandardCharsets.UTF_8), seq, ts, events, rank);
    } catch (IOException e) {
      throw new AssertionError("undecodable payload", e);
    }
  }

  private static KvEvent event(MessageUnpacker u) throws IOException {
    int fields = u.unpackArrayHeader();
    String tag = u.unpackString();
    switch (tag) {
      case "BlockStored" -> {
        assertEquals(7, fields);
        long[] hashes = hashes(u);
        Long parent = u.tryUnpackNil() ? null : hash(u);
        int[] tokens = new int[u.unpackArrayHeader()];
        for (int i = 0; i < tokens.length; i++) {
          tokens[i] = u.unpackInt();
        }
        int blockSize = u.unpackInt();
        assertTrue(u.tryUnpackNil(), "lora_id");
        assertTrue(u.tryUnpackNil(), "medium");
        return new KvEvent.BlockStored(hashes, parent, tokens, blockSize);
      }
      case "BlockRemoved" -> {
        assertEquals(3, fields);
        long[] hashes = hashes(u);
        assertTrue(u.tryUnpackNil(), "medium");
        return new KvEvent.BlockRemoved(hashes);
      }
      case "AllBlocksCleared" -> {
        assertEquals(1, fields);
        return new KvEvent.AllBlocksCleared();
      }
      default -> throw new AssertionError("unknown event tag " + tag);
    }
  }

  private static long[] hashes(MessageUnpacker u) throws IOException {
    long[] out = new long[u.unpackArrayHeader()];
    for (int i = 0; i < out.length; i++) {
      out[i] = hash(u);
    }
    return out;
  }

  /** vLLM's hashes are unsigned 64-bit integers: never a negative msgpack int. */
  private static long hash(MessageUnpacker u) throws IOException {
    MessageFormat f = u.getNextFormat();
    assertEquals(ValueType.INTEGER, f.getValueType());
    BigInteger v = u.unpackBigInteger();
    assertTrue(v.signum() >= 0 && v.bitLength() <= 64, "unsigned 64-bit hash, got " + v);
    return v.longValue();
  }
}
