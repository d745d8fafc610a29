package dev.ember.worker;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.coldstart.SnapshotFiles;
import dev.ember.engine.Engine;
import dev.ember.engine.EngineOptions;
import dev.ember.kv.BlockHasher;
import dev.ember.function.DemoModel;
import dev.ember.function.FunctionManifest;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFiles;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.LoadOptions;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.sched.SchedulerOptions;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.IntStream;

/**
 * Brings a function from its manifest into memory and back out (on the device worker's thread). Load:
 * open and validate the model files and tokenizer ({@code open}); map the weights, through the
 * converted-weights cache when the manifest's dtype needs a conversion ({@code hash}, {@code convert} on a
 * cache miss, {@code read}, {@code map}); size the KV cache and build the engine ({@code allocate});
 * restore the function's prefix snapshot ({@code restore}). Each phase is timed for the cold-start
 * metrics; the device worker then runs the prewarm hooks (pinned prefixes, warm-up prompts). Unload saves the
 * hottest prefixes to the snapshot, then frees everything.
 *
 * <pre>{@code FunctionLoader l = new FunctionLoader(); LoadedFunction f = l.load(manifest); ... l.unload(f); }</pre>
 */
final class FunctionLoader {
  private static final DType KV_DTYPE = DType.F16;
  private static final Logger LOG = Logger.getLogger(FunctionLoader.class.getName());
  private final Map<String, Long> phases = new LinkedHashMap<>();
  private final ColdStartOptions coldStart;
  private final EngineObserver observer;
  private String function;
  private ModelFiles files;
  private DType dtype;
  private Path snapshotFile;

  FunctionLoader() {
    this(ColdStartOptions.defaults());
  }

  FunctionLoader(ColdStartOptions coldStart) {
    this(coldStart, EngineObserver.NONE);
  }

  FunctionLoader(ColdStartOptions coldStart, EngineObserver observer) {
    this.coldStart = coldStart;
    this.observer = observer;
  }

  /** Phase durations of the last load, in nanoseconds, in order. */
  Map<String, Long> phases() {
    return phases;
  }

  LoadedFunction load(FunctionManifest m) throws IOException {
    if (!FunctionManifest.DEFAULT_DEVICE.equals(m.device())) {
      throw new IOException("device '" + m.device() + "' is not available in this build (only cpu)");
    }
    long t0 = System.nanoTime();
    Path path = FunctionManifest.ModelSpec.EMBEDDED_DEMO.equals(m.model().path()) ? DemoModel.ensure()
        : Path.of(m.model().path());
    files = ModelFiles.open(path);
    dtype = m.model().dtype();
    Tokenizer tokenizer = files.vocabulary().isPresent() ? Tokenizer.fromVocabulary(files.vocabulary().get())
        : Tokenizer.load(files.tokenizerJson()
            .orElseThrow(() -> new IOException("no tokenizer.json next to " + files.source())).getParent());
    long t1 = System.nanoTime();
    phases.put("open", t1 - t0);
    FunctionManifest.EngineSettings e = m.engine();
    int threads = e.threads() > 0 ? e.threads() : Runtime.getRuntime().availableProcessors();
    NativeModel model = null;
    KvCacheMemory kv = null;
    ModelRunner runner = null;
    try {
      model = NativeModel.load(files, LoadOptions.defaults().withDtype(m.model().dtype()).withThreads(threads)
          .withMaxBatchTokens(e.maxNumBatchedTokens()));
      phases.putAll(model.loadReport().phases());
      long t2 = System.nanoTime();
      ModelConfig c = model.config();
      int maxModelLen = Math.min(e.maxModelLen(), c.maxPositionEmbeddings());
      kv = KvCacheMemory.ofBudget(model, e.kvCacheMemory(), e.blockSize(), KV_DTYPE);
      if ((long) (kv.numBlocks() - 1) * e.blockSize() < maxModelLen) {
        throw new IOException("kvCacheMemory " + e.kvCacheMemory() + " bytes holds " + kv.numBlocks() + " blocks of "
            + e.blockSize() + " tokens, fewer than one " + maxModelLen + "-token sequence needs; raise kvCacheMemory"
            + " or lower maxModelLen");
      }
      runner = new ModelRunner(model, kv, e.maxNumSeqs(), maxModelLen);
      int[] eos = IntStream.concat(c.eosTokenIds().stream().mapToInt(Integer::intValue),
          tokenizer.eosTokenId().stream()).distinct().toArray();
      SchedulerOptions so = new SchedulerOptions(e.maxNumSeqs(), e.maxNumBatchedTokens(), maxModelLen,
          SchedulerOptions.Policy.PRIORITY);
      Engine engine = new Engine(runner, tokenizer, eos, new EngineOptions(so, e.enablePrefixCaching(), e.hashSeed()));
      if (observer != EngineObserver.NONE) {
        function = m.name();
        observer.started(engine, new EngineDescription(m.name(), m.device(),
            SnapshotFiles.modelKey(files, dtype, KV_DTYPE), e.blockSize(), BlockHasher.SCHEME, e.hashSeed(),
            kv.numBlocks()));
      }
      long t3 = System.nanoTime();
      phases.put("allocate", t3 - t2);
      if (coldStart.snapshots() && e.enablePrefixCaching()) {
        snapshotFile = SnapshotFiles.file(files, m.name());
        restore(engine);
      }
      phases.put("restore", System.nanoTime() - t3);
      return new LoadedFunction(model, kv, runner, engine, tokenizer, maxModelLen);
    } catch (IOException | RuntimeException ex) {
      if (runner != null) {
        runner.close();
      }
      if (kv != null) {
        kv.close();
      }
      if (model != null) {
        model.close();
      }
      tokenizer.close();
      throw ex;
    }
  }

  /** Restores the prefix snapshot if there is one; a stale or corrupt one is logged and deleted. */
  private void restore(Engine engine) throws IOException {
    if (!Files.isRegularFile(snapshotFile)) {
      return;
    }
    try {
      PrefixSnapshot.Summary s = engine.restoreSnapshot(snapshotFile, SnapshotFiles.modelKey(files, dtype, KV_DTYPE));
      LOG.info(() -> "restored " + s.blocks() + " prefix blocks (" + s.bytes() + " bytes) from " + snapshotFile);
    } catch (IOException | RuntimeException ex) {
      LOG.log(Level.WARNING, "ignoring prefix snapshot: " + ex.getMessage());
      Files.deleteIfExists(snapshotFile);
    }
  }

  /**
   * Saves the hottest prefixes of a function this loader loaded (when snapshots are on), then frees
   * it; a failed save is logged and never keeps the memory. Call on the device worker's thread.
   */
  void unload(LoadedFunction f) {
    try {
      f.engine().close();
      if (function != null) {
        observer.stopped(function);
      }
      if (snapshotFile != null) {
        PrefixSnapshot.Summary s = f.engine().saveSnapshot(snapshotFile, SnapshotFiles.modelKey(files, dtype, KV_DTYPE),
            coldStart.snapshotBudgetBytes());
        LOG.info(() -> "saved " + s.blocks() + " prefix blocks (" + s.bytes() + " bytes) to " + snapshotFile);
      }
    } catch (IOException | RuntimeException ex) {
      LOG.log(Level.WARNING, "prefix snapshot not saved: " + ex.getMessage());
    } finally {
      f.close();
    }
  }
}
