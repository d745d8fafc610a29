package dev.ember.kvevents.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.zeromq.ZMQ;

/**
 * vLLM's replay protocol on a ROUTER socket: a subscriber that missed messages sends the first sequence
 * number it wants (8 bytes, big-endian) and gets every kept message from there on as
 * {@code [sequence, payload]} frames, then {@code [-1, ""]}. Keeps the latest messages only; used on the
 * publisher thread alone.
 *
 * <p>Waiting for a request blocks up to {@link #WAIT_MILLIS}: JeroMQ's ROUTER, read only with
 * {@code DONTWAIT}, was seen to miss requests from new peers, which a receive with a timeout does not.
 *
 * <pre>{@code replay.keep(seq, payload); ... replay.serve(); // when idle, waits at most WAIT_MILLIS }</pre>
 */
public final class ReplayService {
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] END = ByteBuffer.allocate(Long.BYTES).putLong(-1).array();

  private record Kept(long sequence, byte[] payload) {}

  /** Longest wait of {@link #serve} for a request. */
  public static final int WAIT_MILLIS = 10;

  private final ZMQ.Socket router;
  private final int capacity;
  private final ArrayDeque<Kept> kept;

  /** Serves requests arriving on {@code router} (a bound ROUTER socket) from the last {@code capacity} messages. */
  public ReplayService(ZMQ.Socket router, int capacity) {
    this.router = router;
    this.capacity = capacity;
    this.kept = new ArrayDeque<>(Math.min(capacity, 1024));
    router.setReceiveTimeOut(WAIT_MILLIS);
  }

  /** Keeps a sent message for replay, forgetting the oldest beyond the capacity. */
  public void keep(long sequence, byte[] payload) {
    if (kept.size() == capacity) {
      kept.removeFirst();
    }
    kept.addLast(new Kept(sequence, payload));
  }

  /** Waits up to {@link #WAIT_MILLIS} for a request, then answers it and those waiting; ignores malformed ones. */
  public void serve() {
    for (byte[] identity = router.recv(0); identity != null; identity = router.recv(ZMQ.DONTWAIT)) {
      byte[] delimiter = router.hasReceiveMore() ? router.recv() : null;
      byte[] start = delimiter != null && router.hasReceiveMore() ? router.recv() : null;
      boolean extra = false;
      while (router.hasReceiveMore()) {
        router.recv();
        extra = true;
      }
      if (start == null || start.length != Long.BYTES || delimiter.length != 0 || extra) {
        continue;
      }
      long from = ByteBuffer.wrap(start).getLong();
      for (Kept k : kept) {
        if (k.sequence() >= from) {
          router.sendMore(identity);
          router.sendMore(EMPTY);
          // A fresh array per frame: the socket queues the bytes without copying them.
          router.sendMore(ByteBuffer.allocate(Long.BYTES).putLong(k.sequence()).array());
          router.send(k.payload());
        }
      }
      router.sendMore(identity);
      router.sendMore(EMPTY);
      router.sendMore(END);
      router.send(EMPTY);
    }
  }
}
