package dev.ember.model;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Where a {@link TensorSource} writes its bytes, in order. */
public interface TensorSink {
  /** Writes all remaining bytes of {@code bytes} (its position advances to its limit). */
  void write(ByteBuffer bytes) throws IOException;
}
