package dev.ember.model.internal;

import dev.ember.model.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Buffered little-endian input from the start of a file, for parsing headers; running out of file
 * is a "corrupt header" {@link ModelFormatException} naming the file.
 *
 * <pre>{@code ChannelSource in = new ChannelSource(channel, file); int magic = in.getInt(); }</pre>
 */
public final class ChannelSource {
  private final FileChannel channel;
  private final Path file;
  private final long size;
  private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
  private long bufferStart;

  public ChannelSource(FileChannel channel, Path file) throws IOException {
    this.channel = channel;
    this.file = file;
    this.size = channel.size();
    buffer.limit(0);
  }

  /** Bytes consumed so far. */
  public long position() {
    return bufferStart + buffer.position();
  }

  public long size() {
    return size;
  }

  public int getUnsignedByte() throws IOException {
    return need(1).get() & 0xFF;
  }

  public short getShort() throws IOException {
    return need(2).getShort();
  }

  public int getInt() throws IOException {
    return need(4).getInt();
  }

  public long getLong() throws IOException {
    return need(8).getLong();
  }

  public float getFloat() throws IOException {
    return need(4).getFloat();
  }

  public double getDouble() throws IOException {
    return need(8).getDouble();
  }

  /** A GGUF string: u64 byte length then UTF-8 bytes. */
  public String getString() throws IOException {
    long n = getLong();
    if (n < 0 || n > size - position()) {
      throw corrupt("string length " + Long.toUnsignedString(n) + " at byte " + (position() - 8) + " runs past the end");
    }
    byte[] bytes = new byte[(int) n];
    int done = 0;
    while (done < n) {
      ByteBuffer b = need(1);
      int k = Math.min(b.remaining(), (int) n - done);
      b.get(bytes, done, k);
      done += k;
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  public ModelFormatException corrupt(String what) {
    return ModelFormatException.in(file, "corrupt header: " + what);
  }

  private ByteBuffer need(int n) throws IOException {
    if (buffer.remaining() >= n) {
      return buffer;
    }
    bufferStart += buffer.position();
    buffer.compact();
    while (buffer.position() < n) {
      int r = channel.read(buffer, bufferStart + buffer.position());
      if (r < 0) {
        throw corrupt("file ends at byte " + size + " inside the header");
      }
    }
    buffer.flip();
    return buffer;
  }
}
