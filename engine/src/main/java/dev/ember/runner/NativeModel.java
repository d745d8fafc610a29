package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFiles;
import dev.ember.model.TensorInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's weights in native memory, ready for {@link ModelRunner}: files are memory-mapped and their
 * tensors used in place; tensors whose type must change ({@link LoadOptions#dtype()}) come from the
 * converted-weights cache ({@link WeightCache}, itself mapped) or, with the cache off, are converted into
 * native allocations. Closing unmaps and frees everything.
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
  private final LoadReport report;
  private boolean closed;

  private NativeModel(ModelConfig config, long handle, List<long[]> mappings, List<Long> allocations,
      long weightBytesPerToken, long weightBytes, DType matrixDtype, LoadOptions options, LoadReport report) {
    this.config = config;
    this.handle = handle;
    this.mappings = mappings;
    this.allocations = allocations;
    this.weightBytesPerToken = weightBytesPerToken;
    this.weightBytes = weightBytes;
    this.matrixDtype = matrixDtype;
    this.threads = options.threads();
    this.maxBatchTokens = options.maxBatchTokens();
    this.report = report;
  }

  /**
   * Maps the model's files, converts what {@code options} asks for (through the converted-weights
   * cache when {@link LoadOptions#weightCache()} is on) and builds the native model.
   */
  public static NativeModel load(ModelFiles files, LoadOptions options) throws IOException {
    ModelConfig config = files.config();
    Map<String, Long> phases = new LinkedHashMap<>();
    List<TensorInfo> tensors = files.tensors();
    DType target = options.dtype();
    int converted = 0;
    Path cacheFile = null;
    boolean cacheHit = false;
    if (options.weightCache() && tensors.stream().anyMatch(t -> TensorConverter.needsConversion(t, target))) {
      WeightCache.Loaded cached = WeightCache.load(files, target, options.threads(), options.weightCacheDir(), phases);
      tensors = cached.tensors();
      converted = cached.converted();
      cacheFile = cached.file();
      cacheHit = cached.hit();
    }
    if (options.prefetch() && cacheFile == null) {
      long t0 = System.nanoTime();
      prefetch(tensors, options.threads());
      phases.put("read", System.nanoTime() - t0);
    }
    long tMap = System.nanoTime();
    long convertNanos = 0;
    Map<Path, long[]> mapped = new LinkedHashMap<>();
    List<Long> allocations = new ArrayList<>();
    long model = 0;
    try {
      mapFiles(tensors, mapped);
      model = EmberNative.ember_model_new(NativeConfig.of(config), options.device(), options.threads(),
          options.maxBatchTokens());
      if (model == 0) {
        if (EmberNative.ember_last_error_code() == EmberNative.EMBER_ERR_BACKEND_UNAVAILABLE) {
          throw new BackendUnavailableException(options.device(), EmberNative.ember_last_error());
        }
        throw new IOException("cannot create model from " + files.source() + ": " + EmberNative.ember_last_error());
      }
      long perToken = 0;
      long total = 0;
      DType matrixDtype = null;
      TensorInfo embed = null;
      long done = 0;
      long all = tensors.stream().mapToLong(TensorInfo::byteLength).sum();
      for (TensorInfo t : tensors) {
        TensorKind.Slot slot = TensorKind.of(t.name());
        if (slot == null) {
          throw new IOException("tensor " + t.name() + " in " + t.file() + " is not a weight of the forward pass");
        }
        long src = mapped.get(t.file())[0] + t.offset();
        DType dtype = t.dtype();
        if (TensorConverter.needsConversion(t, target)) {
          long c0 = System.nanoTime();
          src = TensorConverter.convert(src, t, target, options.threads());
          allocations.add(src);
          convertNanos += System.nanoTime() - c0;
          converted++;
          dtype = target;
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
      if (convertNanos > 0) {
        phases.put("convert", convertNanos);
      }
      phases.put("map", System.nanoTime() - tMap - convertNanos);
      return new NativeModel(config, model, new ArrayList<>(mapped.values()), allocations, perToken, total,
          matrixDtype, options, new LoadReport(phases, converted, cacheFile, cacheHit));
    } catch (IOException | RuntimeException e) {
      if (model != 0) {
        EmberNative.ember_model_free(model);
      }
      allocations.forEach(EmberNative::ember_free);
      unmapAll(mapped);
      throw e;
    }
  }

  /** Reads the tensors' bytes once (in parallel) so the page cache holds them before the first forward. */
  private static void prefetch(List<TensorInfo> tensors, int threads) throws IOException {
    Map<Path, FileChannel> channels = new LinkedHashMap<>();
    try {
      for (TensorInfo t : tensors) {
        if (!channels.containsKey(t.file())) {
          channels.put(t.file(), FileChannel.open(t.file(), StandardOpenOption.READ));
        }
      }
      ParallelRead.run(tensors.size(), threads, i -> {
        TensorInfo t = tensors.get(i);
        ParallelRead.readRange(channels.get(t.file()), t.offset(), t.byteLength(), null);
        return null;
      });
    } finally {
      for (FileChannel ch : channels.values()) {
        ch.close();
      }
    }
  }

  /** Maps every file the tensors lie in (once each) into {@code into}: path to {address, size}. */
  static void mapFiles(List<TensorInfo> tensors, Map<Path, long[]> into) throws IOException {
    for (TensorInfo t : tensors) {
      if (!into.containsKey(t.file())) {
        long[] size = new long[1];
        long addr = EmberNative.ember_map_file(t.file().toString(), size);
        if (addr == 0) {
          throw new IOException(EmberNative.ember_last_error());
        }
        into.put(t.file(), new long[] {addr, size[0]});
      }
    }
  }

  static void unmapAll(Map<Path, long[]> mapped) {
    mapped.values().forEach(m -> EmberNative.ember_unmap(m[0], m[1]));
    mapped.clear();
  }

  /** How the last load went: phases, conversions and the weight cache file used. */
  public LoadReport loadReport() {
    return report;
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

  /**
   * Waits until the matrices the native model packs in the background after loading (the CPU's panel
   * layout, on AVX-512 VNNI machines) are packed, so that a benchmark times the steady state; serving
   * never waits, its forwards run over the weights as loaded until then.
   */
  public void awaitPacked() {
    if (EmberNative.ember_model_wait_packed(handle()) != 0) {
      throw new IllegalStateException(EmberNative.ember_last_error());
    }
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

  /** The native backend the model runs on ("cpu"). */
  public String device() {
    return EmberNative.ember_model_device(handle());
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
