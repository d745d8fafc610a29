package dev.ember.model;

import dev.ember.model.quant.TensorCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor to be written by a model file writer: canonical name, stored type, HF-order shape and
 * a body that streams exactly {@link #byteLength()} bytes (large tensors are produced in chunks).
 *
 * <pre>{@code TensorSource t = TensorSource.of("model.norm.weight", DType.F32, new long[] {64}, values); }</pre>
 */
public record TensorSource(String name, DType dtype, long[] shape, Body body) {
  /** Produces the tensor's bytes. */
  @FunctionalInterface
  public interface Body {
    void writeTo(TensorSink sink) throws IOException;
  }

  public TensorSource {
    shape = shape.clone();
  }

  /** A tensor holding {@code values} (row-major) converted to {@code dtype}. */
  public static TensorSource of(String name, DType dtype, long[] shape, float[] values) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != values.length) {
      throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
    }
    return new TensorSource(name, dtype, shape, sink -> {
      ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(dtype.bytes(values.length))).order(ByteOrder.LITTLE_ENDIAN);
      TensorCodec.encode(dtype, values, 0, values.length, bytes);
      sink.write(bytes.flip());
    });
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long elements() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long byteLength() {
    return dtype.bytes(elements());
  }
}
