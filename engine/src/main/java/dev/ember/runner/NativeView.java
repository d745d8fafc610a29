package dev.ember.runner;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;

/**
 * A {@link ByteBuffer} over native memory this code does not own (an {@code ember_alloc} buffer or a
 * mapping), for writing it to a file channel without a copy. The view frees nothing.
 *
 * <pre>{@code ByteBuffer b = NativeView.of(address, 1 << 20); channel.write(b, position); }</pre>
 */
final class NativeView extends BytePointer {
  /** Largest view one ByteBuffer can hold; longer ranges are written in chunks. */
  static final int MAX_CHUNK = 1 << 30;

  private NativeView(long address, long bytes) {
    this.address = address;
    this.limit = bytes;
    this.capacity = bytes;
  }

  /** The bytes {@code [address, address + bytes)}; bytes at most {@link #MAX_CHUNK}. */
  static ByteBuffer of(long address, long bytes) {
    if (bytes < 0 || bytes > MAX_CHUNK) {
      throw new IllegalArgumentException("view of " + bytes + " bytes");
    }
    return new NativeView(address, bytes).asByteBuffer();
  }
}
