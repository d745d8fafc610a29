package dev.ember.cluster.internal;

import dev.ember.kv.KvEvent;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of the cluster's KV messages on the event bus: one engine's event batch
 * (member, function, engine epoch, sequence number, timestamp, events carrying only their block hashes)
 * and one engine's block snapshot (epoch, the sequence it is current to, every hash).
 *
 * <pre>{@code Buffer b = KvEventCodec.encodeBatch(member, "demo", epoch, batch); KvEventCodec.Batch d = KvEventCodec.decodeBatch(b); }</pre>
 */
public final class KvEventCodec {
  private static final byte STORED = 0;
  private static final byte REMOVED = 1;
  private static final byte CLEARED = 2;

  private KvEventCodec() {}

  /** A decoded event batch. */
  public record Batch(String member, String function, long epoch, long sequence, long timestampMillis,
      List<KvEvent> events) {}

  /**
   * A decoded snapshot: the engine's blocks after batch {@code sequence} of engine {@code epoch}, and
   * which of them start a chain.
   */
  public record Snapshot(long epoch, long sequence, long[] hashes, long[] chainStarts) {}

  public static Buffer encodeBatch(String member, String function, long epoch, long sequence, long timestampMillis,
      List<KvEvent> events) {
    Buffer b = Buffer.buffer(64 + events.size() * 16);
    string(b, member);
    string(b, function);
    b.appendLong(epoch).appendLong(sequence).appendLong(timestampMillis).appendInt(events.size());
    for (KvEvent e : events) {
      switch (e) {
        case KvEvent.BlockStored s -> hashes(b.appendByte(STORED).appendByte((byte) (s.parentBlockHash() == null ? 1 : 0)),
            s.blockHashes());
        case KvEvent.BlockRemoved r -> hashes(b.appendByte(REMOVED), r.blockHashes());
        case KvEvent.AllBlocksCleared c -> b.appendByte(CLEARED).appendInt(0);
      }
    }
    return b;
  }

  public static Batch decodeBatch(Buffer b) {
    int[] pos = {0};
    String member = string(b, pos);
    String function = string(b, pos);
    long epoch = b.getLong(pos[0]);
    long seq = b.getLong(pos[0] + 8);
    long ts = b.getLong(pos[0] + 16);
    int n = b.getInt(pos[0] + 24);
    pos[0] += 28;
    List<KvEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte type = b.getByte(pos[0]++);
      boolean chainStart = type == STORED && b.getByte(pos[0]++) == 1;
      long[] hashes = hashes(b, pos);
      events.add(switch (type) {
        // Only whether a parent exists travels (it marks a chain start); its value is not needed here.
        case STORED -> new KvEvent.BlockStored(hashes, chainStart ? null : 0L, new int[0], 0);
        case REMOVED -> new KvEvent.BlockRemoved(hashes);
        case CLEARED -> new KvEvent.AllBlocksCleared();
        default -> throw new IllegalArgumentException("unknown KV event type " + type);
      });
    }
    return new Batch(member, function, epoch, seq, ts, events);
  }

  public static Buffer encodeSnapshot(long epoch, long sequence, long[] hashes, long[] chainStarts) {
    Buffer b = Buffer.buffer(24 + (hashes.length + chainStarts.length) * 8);
    b.appendLong(epoch).appendLong(sequence);
    return hashes(hashes(b, hashes), chainStarts);
  }

  public static Snapshot decodeSnapshot(Buffer b) {
    int[] pos = {16};
    long[] hashes = hashes(b, pos);
    return new Snapshot(b.getLong(0), b.getLong(8), hashes, hashes(b, pos));
  }

  private static Buffer hashes(Buffer b, long[] hashes) {
    b.appendInt(hashes.length);
    for (long h : hashes) {
      b.appendLong(h);
    }
    return b;
  }

  private static long[] hashes(Buffer b, int[] pos) {
    int n = b.getInt(pos[0]);
    pos[0] += 4;
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = b.getLong(pos[0]);
      pos[0] += 8;
    }
    return out;
  }

  private static void string(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.appendInt(bytes.length).appendBytes(bytes);
  }

  private static String string(Buffer b, int[] pos) {
    int n = b.getInt(pos[0]);
    String s = b.getString(pos[0] + 4, pos[0] + 4 + n, "UTF-8");
    pos[0] += 4 + n;
    return s;
  }
}
