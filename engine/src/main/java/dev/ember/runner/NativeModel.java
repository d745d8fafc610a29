package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFiles;
import dev.ember.model.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's weights in native memory, ready for {@link ModelRunner}: files are memory-mapped and their
 * tensors used in place; only tensors whose type must change ({@link LoadOptions#dtype()}) are
 * converted into native allocations. Closing unmaps and frees everything.
 *
 * <pre>{@code try (NativeModel m = NativeModel.load(ModelFiles.open(path), LoadOptions.defaults())) { ... } }</pre>
 */
public final class NativeModel implements AutoCloseable {
  private final ModelConfig config;
  private final long handle;
  private final List<long[]> mappings;
  private final List<Long> allocations;
  private final long weightBytesPerToken;
  private final long weightBytes;
  private final DType matrixDtype;
  private final int threads;
  private final int maxBatchTokens;
  private boolean closed;

  private NativeModel(ModelConfig config, long handle, List<long[]> mappings, List<Long> allocations,
      long weightBytesPerToken, long weightBytes, DType matrixDtype, LoadOptions options) {
    this.config = config;
    this.handle = handle;
    this.mappings = mappings;
    this.allocations = allocations;
    this.weightBytesPerToken = weightBytesPerToken;
    this.weightBytes = weightBytes;
    this.matrixDtype = matrixDtype;
    this.threads = options.threads();
    this.maxBatchTokens = options.maxBatchTokens();
  }

  /** Maps the model's files, converts what {@code options} asks for and builds the native model. */
  public static NativeModel load(ModelFiles files, LoadOptions options) throws IOException {
    ModelConfig config = files.config();
    Map<Path, long[]> mapped = new LinkedHashMap<>();
    List<Long> allocations = new ArrayList<>();
    long model = 0;
    try {
      for (TensorInfo t : files.tensors()) {
        if (!mapped.containsKey(t.file())) {
          long[] size = new long[1];
          long addr = EmberNative.ember_map_file(t.file().toString(), size);
          if (addr == 0) {
            throw new IOException(EmberNative.ember_last_error());
          }
          mapped.put(t.file(), new long[] {addr, size[0]});
        }
      }
      model = EmberNative.ember_model_new(NativeConfig.of(config), options.threads(), options.maxBatchTokens());
      if (model == 0) {
        throw new IOException("cannot create model from " + files.source() + ": " + EmberNative.ember_last_error());
      }
      long perToken = 0;
      long total = 0;
      DType matrixDtype = null;
      TensorInfo embed = null;
      long done = 0;
      long all = files.tensors().stream().mapToLong(TensorInfo::byteLength).sum();
      for (TensorInfo t : files.tensors()) {
        TensorKind.Slot slot = TensorKind.of(t.name());
        if (slot == null) {
          throw new IOException("tensor " + t.name() + " in " + t.file() + " is not a weight of the forward pass");
        }
        long src = mapped.get(t.file())[0] + t.offset();
        DType dtype = t.dtype();
        if (slot.kind().matrix() && options.dtype() != null && options.dtype() != dtype) {
          src = convert(src, t, options.dtype(), options.threads(), allocations);
          dtype = options.dtype();
        }
        int rc = EmberNative.ember_model_set_tensor(model, slot.kind().code(), Math.max(slot.layer(), 0), src,
            dtype.code(), t.rows(), t.cols());
        if (rc != 0) {
          throw new IOException(t.name() + " in " + t.file() + ": " + EmberNative.ember_last_error());
        }
        if (slot.kind().matrix()) {
          long bytes = dtype.bytes(t.elements());
          total += bytes;
          if (slot.kind() == TensorKind.EMBED) {
            embed = t;
            perToken += dtype.bytes(t.cols());
            if (config.tieWordEmbeddings()) {
              perToken += bytes;
            }
          } else {
            perToken += bytes;
          }
          if (slot.kind() == TensorKind.WQ && matrixDtype == null) {
            matrixDtype = dtype;
          }
        }
        done += t.byteLength();
        options.progress().accept(all == 0 ? 1.0 : (double) done / all);
      }
      if (embed == null) {
        throw new IOException("no embedding tensor in " + files.source());
      }
      if (EmberNative.ember_model_finalize(model) != 0) {
        throw new IOException("model " + files.source() + ": " + EmberNative.ember_last_error());
      }
      return new NativeModel(config, model, new ArrayList<>(mapped.values()), allocations, perToken, total,
          matrixDtype, options);
    } catch (IOException | RuntimeException e) {
      if (model != 0) {
        EmberNative.ember_model_free(model);
      }
      allocations.forEach(EmberNative::ember_free);
      mapped.values().forEach(m -> EmberNative.ember_unmap(m[0], m[1]));
      throw e;
    }
  }

  private static long convert(long src, TensorInfo t, DType target, int threads, List<Long> allocations)
      throws IOException {
    long n = t.elements();
    if (target.quantized() && t.cols() % DType.BLOCK != 0) {
      throw new IOException("cannot convert " + t.name() + " to " + target + ": " + t.cols()
          + " columns is not a multiple of " + DType.BLOCK);
    }
    long dst = alloc(target.bytes(n), allocations);
    long from = src;
    DType fromType = t.dtype();
    long temp = 0;
    if (fromType.quantized() && target != DType.F32) {
      temp = EmberNative.ember_alloc(DType.F32.bytes(n));
      if (temp == 0 || EmberNative.ember_convert(src, fromType.code(), temp, DType.F32.code(), n, threads) != 0) {
        EmberNative.ember_free(temp);
        throw new IOException("cannot convert " + t.name() + ": " + EmberNative.ember_last_error());
      }
      from = temp;
      fromType = DType.F32;
    }
    int rc = EmberNative.ember_convert(from, fromType.code(), dst, target.code(), n, threads);
    if (temp != 0) {
      EmberNative.ember_free(temp);
    }
    if (rc != 0) {
      throw new IOException("cannot convert " + t.name() + " to " + target + ": " + EmberNative.ember_last_error());
    }
    return dst;
  }

  private static long alloc(long bytes, List<Long> allocations) throws IOException {
    long p = EmberNative.ember_alloc(bytes);
    if (p == 0) {
      throw new IOException(EmberNative.ember_last_error());
    }
    allocations.add(p);
    return p;
  }

  public ModelConfig config() {
    return config;
  }

  /** The native {@code ember_model*}. */
  long handle() {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
    return handle;
  }

  /** Weight bytes one decode step of one token reads (every matrix once, one embedding row). */
  public long weightBytesPerToken() {
    return weightBytesPerToken;
  }

  /** Bytes of all weight matrices as used (after conversion). */
  public long weightBytes() {
    return weightBytes;
  }

  /** The type of the attention/MLP matrices as used. */
  public DType matrixDtype() {
    return matrixDtype;
  }

  public int threads() {
    return threads;
  }

  public int maxBatchTokens() {
    return maxBatchTokens;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    EmberNative.ember_model_free(handle);
    allocations.forEach(EmberNative::ember_free);
    mappings.forEach(m -> EmberNative.ember_unmap(m[0], m[1]));
  }
}
