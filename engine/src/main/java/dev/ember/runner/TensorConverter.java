package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.TensorInfo;
import java.io.IOException;

/**
 * Converts one tensor's values from its file type to a load type into a fresh {@code ember_alloc}
 * buffer (quantized sources go through f32). Counts the conversions it made, so tests and the
 * cold-start report can tell a converting load from one that used a converted-weights cache.
 *
 * <pre>{@code long dst = TensorConverter.convert(mappedAddress, tensor, DType.Q8_0, threads); }</pre>
 */
final class TensorConverter {
  private TensorConverter() {}

  /** Returns a native buffer of {@code target.bytes(t.elements())} bytes; the caller frees it. */
  static long convert(long src, TensorInfo t, DType target, int threads) throws IOException {
    long n = t.elements();
    if (target.quantized() && t.cols() % DType.BLOCK != 0) {
      throw new IOException("cannot convert " + t.name() + " to " + target + ": " + t.cols()
          + " columns is not a multiple of " + DType.BLOCK);
    }
    long dst = EmberNative.ember_alloc(target.bytes(n));
    if (dst == 0) {
      throw new IOException(EmberNative.ember_last_error());
    }
    long from = src;
    DType fromType = t.dtype();
    long temp = 0;
    try {
      if (fromType.quantized() && target != DType.F32) {
        temp = EmberNative.ember_alloc(DType.F32.bytes(n));
        if (temp == 0 || EmberNative.ember_convert(src, fromType.code(), temp, DType.F32.code(), n, threads) != 0) {
          throw new IOException("cannot convert " + t.name() + ": " + EmberNative.ember_last_error());
        }
        from = temp;
        fromType = DType.F32;
      }
      if (EmberNative.ember_convert(from, fromType.code(), dst, target.code(), n, threads) != 0) {
        throw new IOException("cannot convert " + t.name() + " to " + target + ": " + EmberNative.ember_last_error());
      }
      return dst;
    } catch (IOException e) {
      EmberNative.ember_free(dst);
      throw e;
    } finally {
      EmberNative.ember_free(temp);
    }
  }

  /** Whether loading with {@code target} changes this tensor (only matrices are converted). */
  static boolean needsConversion(TensorInfo t, DType target) {
    TensorKind.Slot slot = TensorKind.of(t.name());
    return target != null && slot != null && slot.kind().matrix() && t.dtype() != target;
  }
}
