package dev.ember.worker;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.coldstart.SnapshotFiles;
import dev.ember.coldstart.SnapshotRetention;
import dev.ember.engine.Engine;
import dev.ember.engine.EngineBuildOptions;
import dev.ember.engine.EngineFactory;
import dev.ember.engine.EngineOptions;
import dev.ember.engine.KvBudgetException;
import dev.ember.engine.LoadedEngine;
import dev.ember.function.DemoModel;
import dev.ember.function.FunctionManifest;
import dev.ember.function.LoadFailedException;
import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.runner.LoadOptions;
import dev.ember.sched.SchedulerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

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
  private String observed;
  private ModelFiles files;
  private DType dtype;
  private Path snapshotFile;
  private volatile DeviceWorker.LoadPhase phase;

  FunctionLoader() {
    this(ColdStartOptions.defaults());
  }

  FunctionLoader(ColdStartOptions coldStart) {
    this(coldStart, EngineObserver.NONE);
  }

  /** Tells {@code observer} about each engine it builds and closes. */
  FunctionLoader(ColdStartOptions coldStart, EngineObserver observer) {
    this.coldStart = coldStart;
    this.observer = observer;
  }

  /** The phase a load or unload is in now, or null between them (read by the load watchdog, any thread). */
  DeviceWorker.LoadPhase phase() {
    return phase;
  }

  void begin(String name) {
    phase = name == null ? null : new DeviceWorker.LoadPhase(name, System.nanoTime());
  }

  /** Phase durations of the last load, in nanoseconds, in order. */
  Map<String, Long> phases() {
    return phases;
  }

  LoadedFunction load(FunctionManifest m) throws IOException {
    if (!FunctionManifest.DEFAULT_DEVICE.equals(m.device())) {
      throw new LoadFailedException("device '" + m.device() + "' is not available in this build (only cpu)");
    }
    Path path = FunctionManifest.ModelSpec.EMBEDDED_DEMO.equals(m.model().path()) ? DemoModel.ensure()
        : Path.of(m.model().path());
    dtype = m.model().dtype();
    FunctionManifest.EngineSettings e = m.engine();
    int threads = e.threads() > 0 ? e.threads() : Runtime.getRuntime().availableProcessors();
    LoadedEngine loaded;
    try {
      loaded = EngineFactory.load(path, LoadOptions.defaults().withDtype(dtype).withThreads(threads)
          .withMaxBatchTokens(e.maxNumBatchedTokens()).withDevice(m.device()), (model, tokenizer) -> {
            int maxModelLen = Math.min(e.maxModelLen(), model.config().maxPositionEmbeddings());
            SchedulerOptions so = new SchedulerOptions(e.maxNumSeqs(), e.maxNumBatchedTokens(), maxModelLen,
                SchedulerOptions.Policy.PRIORITY);
            return EngineBuildOptions.ofBudget(e.kvCacheMemory(), EngineOptions.defaults(maxModelLen)
                .withScheduler(so).withPrefixCaching(e.enablePrefixCaching())).withBlockSize(e.blockSize())
                .withKvDtype(KV_DTYPE);
          }, this::begin);
    } catch (KvBudgetException ex) {
      throw new LoadFailedException(ex.getMessage());
    }
    files = loaded.files();
    phases.putAll(loaded.phases());
    try {
      if (observer != EngineObserver.NONE) {
        // Before the restore, so observers see the restored blocks' events too.
        observer.started(loaded.engine(), new EngineDescription(m.name(), m.device(), e.blockSize()));
        observed = m.name();
      }
      begin("restore");
      long t3 = System.nanoTime();
      if (coldStart.snapshots() && e.enablePrefixCaching()) {
        snapshotFile = SnapshotFiles.file(files, m.name(), coldStart.snapshotDirectory());
        restore(loaded.engine());
      }
      phases.put("restore", System.nanoTime() - t3);
      return new LoadedFunction(loaded);
    } catch (IOException | RuntimeException ex) {
      stopped();
      loaded.close();
      throw ex;
    }
  }

  private void stopped() {
    if (observed != null) {
      String name = observed;
      observed = null;
      observer.stopped(name);
    }
  }

  /** Restores the prefix snapshot if there is one; a stale or corrupt one is logged and deleted. */
  private void restore(Engine engine) throws IOException {
    if (!Files.isRegularFile(snapshotFile)) {
      return;
    }
    try {
      PrefixSnapshot.Summary s = engine.restoreSnapshot(snapshotFile, SnapshotFiles.modelKey(files, dtype, KV_DTYPE));
      SnapshotRetention.markUsed(snapshotFile);
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
      stopped();
      if (snapshotFile != null) {
        PrefixSnapshot.Summary s = f.engine().saveSnapshot(snapshotFile, SnapshotFiles.modelKey(files, dtype, KV_DTYPE),
            coldStart.snapshotBudgetBytes());
        LOG.info(() -> "saved " + s.blocks() + " prefix blocks (" + s.bytes() + " bytes) to " + snapshotFile);
        SnapshotRetention.enforce(snapshotFile.toAbsolutePath().getParent(), coldStart.snapshotMaxFiles(),
            coldStart.snapshotMaxBytes());
      }
    } catch (IOException | RuntimeException ex) {
      LOG.log(Level.WARNING, "prefix snapshot not saved: " + ex.getMessage());
    } finally {
      f.close();
    }
  }
}
