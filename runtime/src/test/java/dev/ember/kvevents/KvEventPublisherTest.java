package dev.ember.kvevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.EngineDescription;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The publisher on its own, with a real ZMQ subscriber: a burst keeps every message's own sequence number,
 * and every batch is either sent or counted as dropped. Closed engines' clears are the batches here.
 */
class KvEventPublisherTest {
  /** An engine of function f the publisher did not see start: its stop clears the topic. */
  private static final EngineDescription F = new EngineDescription("f", "cpu", "w", 16, "sha256_cbor", "0", 8);
  /** msgpack of ["AllBlocksCleared"], the only event of a closed engine's batch. */
  private static final String CLEARED = "91b0" + HexFormat.of().formatHex("AllBlocksCleared".getBytes(StandardCharsets.US_ASCII));

  @Test
  void aBurstArrivesInOrderWithItsOwnSequenceNumbers() throws Exception {
    try (ZContext zmq = new ZContext(1)) {
      ZMQ.Socket sub = zmq.createSocket(SocketType.SUB);
      sub.subscribe(new byte[0]);
      sub.setHandshakeIvl(1000);
      int port = sub.bindToRandomPort("tcp://127.0.0.1");
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      KvEventPublisher p = KvEventPublisher.start(KvEventsOptions.of("tcp://127.0.0.1:" + port).withTopic("t-{function}"),
          metrics);
      try {
        // A PUB socket drops what it sends before the subscription reaches it: send until one arrives.
        sub.setReceiveTimeOut(100);
        long first = -1;
        for (int i = 0; i < 100 && first < 0; i++) {
          p.stopped(F);
          byte[] topic = sub.recv();
          if (topic != null) {
            first = ByteBuffer.wrap(frame(sub)).getLong();
            frame(sub);
          }
        }
        assertTrue(first >= 0, "no message reached the subscriber");
        long sent = p.published();
        int burst = 2000;
        for (int i = 0; i < burst; i++) {
          p.stopped(F);
        }
        sub.setReceiveTimeOut(10_000);
        // Messages between the first received and the burst (still in flight then) come first.
        for (long expected = first + 1; expected < sent + burst; expected++) {
          byte[] topic = sub.recv();
          assertNotNull(topic, "message " + expected + " missing");
          assertEquals("t-f", new String(topic, StandardCharsets.UTF_8));
          assertEquals(expected, ByteBuffer.wrap(frame(sub)).getLong());
          assertTrue(HexFormat.of().formatHex(frame(sub)).contains(CLEARED));
          assertTrue(!sub.hasReceiveMore());
        }
        assertEquals(0, p.dropped());
        assertEquals(0.0, metrics.get("ember.kv.events.dropped").functionCounter().count());
      } finally {
        p.close();
      }
    }
  }

  @Test
  void everyBatchIsSentOrCountedAsDropped() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    // No subscriber: messages leave the queue all the same.
    KvEventPublisher p = KvEventPublisher.start(KvEventsOptions.of("inproc://kv-events-drops").withQueueCapacity(1),
        metrics);
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      p.stopped(F);
    }
    p.close();
    p.stopped(F);
    p.terminated().get(10, TimeUnit.SECONDS);
    assertEquals(n + 1, p.published() + p.dropped(), "every batch sent or dropped; after close, dropped");
    assertTrue(p.dropped() >= 1);
    assertEquals(p.dropped(), (long) metrics.get("ember.kv.events.dropped").functionCounter().count());
  }

  private static byte[] frame(ZMQ.Socket sub) {
    assertTrue(sub.hasReceiveMore());
    return sub.recv();
  }
}
