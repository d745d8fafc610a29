package dev.ember.model;

import dev.ember.model.quant.TensorCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Reads a tensor's values as floats (dequantizing when needed): for tests, tools and Java-side
 * reference computations, not for serving (the runner maps weights natively).
 *
 * <pre>{@code float[] norm = TensorValues.read(files.tensor("model.norm.weight")); }</pre>
 */
public final class TensorValues {
  private TensorValues() {}

  /** All values of {@code t} in row-major order; the tensor must hold fewer than 2^31 values. */
  public static float[] read(TensorInfo t) throws IOException {
    int n = Math.toIntExact(t.elements());
    ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(t.byteLength())).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
      long pos = t.offset();
      while (bytes.hasRemaining()) {
        int r = ch.read(bytes, pos);
        if (r < 0) {
          throw ModelFormatException.in(t.file(), "truncated: end of file inside tensor " + t.name());
        }
        pos += r;
      }
    }
    float[] values = new float[n];
    TensorCodec.decode(t.dtype(), bytes.flip(), values, 0, n);
    return values;
  }
}
