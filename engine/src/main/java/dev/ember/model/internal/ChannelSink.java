package dev.ember.model.internal;

import dev.ember.model.TensorSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Buffered little-endian output to a file channel that counts the bytes written; large buffers
 * bypass the internal buffer.
 *
 * <pre>{@code try (ChannelSink out = new ChannelSink(channel)) { out.putInt(3); out.write(data); } }</pre>
 */
public final class ChannelSink implements TensorSink, AutoCloseable {
  private static final int BUFFER = 1 << 20;

  private final FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
  private long written;

  public ChannelSink(FileChannel channel) {
    this.channel = channel;
  }

  /** Bytes written so far (buffered ones included). */
  public long written() {
    return written;
  }

  @Override
  public void write(ByteBuffer bytes) throws IOException {
    int n = bytes.remaining();
    if (n <= buffer.remaining()) {
      buffer.put(bytes);
    } else {
      flush();
      if (n < BUFFER) {
        buffer.put(bytes);
      } else {
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
      }
    }
    written += n;
  }

  public void putByte(int v) throws IOException {
    room(1).put((byte) v);
    written += 1;
  }

  public void putShort(short v) throws IOException {
    room(2).putShort(v);
    written += 2;
  }

  public void putInt(int v) throws IOException {
    room(4).putInt(v);
    written += 4;
  }

  public void putLong(long v) throws IOException {
    room(8).putLong(v);
    written += 8;
  }

  public void putFloat(float v) throws IOException {
    room(4).putFloat(v);
    written += 4;
  }

  public void putDouble(double v) throws IOException {
    room(8).putDouble(v);
    written += 8;
  }

  public void putBytes(byte[] v) throws IOException {
    write(ByteBuffer.wrap(v));
  }

  /** Writes zero bytes up to the next multiple of {@code alignment}. */
  public void padTo(long alignment) throws IOException {
    while (written % alignment != 0) {
      putByte(0);
    }
  }

  private ByteBuffer room(int n) throws IOException {
    if (buffer.remaining() < n) {
      flush();
    }
    return buffer;
  }

  public void flush() throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
