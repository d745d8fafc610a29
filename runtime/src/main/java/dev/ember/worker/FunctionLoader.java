package dev.ember.worker;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.coldstart.KvConnector;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.coldstart.PrefixSnapshotConnector;
import dev.ember.coldstart.SnapshotFiles;
import dev.ember.coldstart.SnapshotRetention;
import dev.ember.device.CpuTopology;
import dev.ember.device.DeviceContext;
import dev.ember.device.DevicePlan;
import dev.ember.device.DeviceSpec;
import dev.ember.engine.Engine;
import dev.ember.kv.KvEvent;
import dev.ember.kv.KvEventBatch;
import dev.ember.kv.KvEventListener;
import dev.ember.engine.EngineBuildOptions;
import dev.ember.engine.EngineFactory;
import dev.ember.engine.EngineOptions;
import dev.ember.engine.KvBudgetException;
import dev.ember.engine.LoadedEngine;
import dev.ember.kv.BlockHasher;
import dev.ember.function.ContextWorker;
import dev.ember.function.DemoModel;
import dev.ember.function.EngineDescription;
import dev.ember.function.EngineObserver;
import dev.ember.function.FunctionManifest;
import dev.ember.function.LoadFailedException;
import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.runner.BackendUnavailableException;
import dev.ember.runner.LoadOptions;
import dev.ember.sched.SchedulerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Brings a function from its manifest into memory and back out (on the device worker's thread). Load:
 * open and validate the model files and tokenizer ({@code open}); map the weights, through the
 * converted-weights cache when the manifest's dtype needs a conversion ({@code hash}, {@code convert} on a
 * cache miss, {@code read}, {@code map}); size the KV cache and build the engine ({@code allocate});
 * restore the function's prefix snapshot through its {@link KvConnector} ({@code restore}). Each phase is
 * timed for the cold-start metrics; the device worker then runs the prewarm hooks (pinned prefixes, warm-up
 * prompts). Unload saves the hottest prefixes to the snapshot, then frees everything.
 *
 * <pre>{@code FunctionLoader l = new FunctionLoader(); LoadedFunction f = l.load(manifest); ... l.unload(f); }</pre>
 */
final class FunctionLoader {
  private static final DType KV_DTYPE = DType.F16;
  private static final Logger LOG = Logger.getLogger(FunctionLoader.class.getName());
  private final Map<String, Long> phases = new LinkedHashMap<>();
  private final ColdStartOptions coldStart;
  private final EngineObserver observer;
  /** The engine the observer was told of, or null. */
  private EngineDescription started;
  private ModelFiles files;
  private DType dtype;
  private Path snapshotFile;
  private KvConnector snapshots;
  private volatile ContextWorker.LoadPhase phase;

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

  /** The phase a load or unload is in now, or null between them (read by the load watchdog, any thread). */
  ContextWorker.LoadPhase phase() {
    return phase;
  }

  void begin(String name) {
    phase = name == null ? null : new ContextWorker.LoadPhase(name, System.nanoTime());
  }

  /** Phase durations of the last load, in nanoseconds, in order. */
  Map<String, Long> phases() {
    return phases;
  }

  LoadedFunction load(FunctionManifest m) throws IOException {
    return load(m, null);
  }

  /** Loads, with {@code kvEvents} (when not null) following the engine's KV events from before the restore. */
  LoadedFunction load(FunctionManifest m, KvEventListener kvEvents) throws IOException {
    DeviceContext context = context(m.device());
    Path path = FunctionManifest.ModelSpec.EMBEDDED_DEMO.equals(m.model().path()) ? DemoModel.ensure()
        : Path.of(m.model().path());
    dtype = m.model().dtype();
    FunctionManifest.EngineSettings e = m.engine();
    int threads = context.threads(e.threads());
    LoadedEngine loaded;
    try {
      LoadOptions options = LoadOptions.defaults().withDtype(dtype).withThreads(threads)
          .withMaxBatchTokens(e.maxNumBatchedTokens()).withDevice(m.weights().nativeDevice(context));
      loaded = EngineFactory.load(path, options, (model, tokenizer) -> {
            int maxModelLen = Math.min(e.maxModelLen(), model.config().maxPositionEmbeddings());
            SchedulerOptions so = new SchedulerOptions(e.maxNumSeqs(), e.maxNumBatchedTokens(), maxModelLen,
                SchedulerOptions.Policy.PRIORITY, e.longPrefillTokenThreshold());
            return EngineBuildOptions.ofBudget(e.kvCacheMemory(), new EngineOptions(so, e.enablePrefixCaching(),
                e.hashSeed())).withBlockSize(e.blockSize()).withKvDtype(KV_DTYPE);
          }, this::begin);
    } catch (KvBudgetException ex) {
      throw new LoadFailedException(ex.getMessage());
    } catch (BackendUnavailableException ex) {
      throw new LoadFailedException("device '" + m.device() + "' is not available: " + ex.getMessage()
          + " (EMBER_ERR_BACKEND_UNAVAILABLE)");
    }
    files = loaded.files();
    phases.putAll(loaded.phases());
    if (kvEvents != null) {
      // A new engine caches nothing: whatever the listener mirrored of an earlier one is gone.
      kvEvents.onBatch(new KvEventBatch(0, System.currentTimeMillis(), List.of(new KvEvent.AllBlocksCleared())));
      loaded.engine().addKvEventListener(kvEvents);
    }
    try {
      if (observer != EngineObserver.NONE) {
        EngineDescription d = new EngineDescription(m.name(), m.device(),
            SnapshotFiles.modelKey(files, dtype, KV_DTYPE), e.blockSize(), BlockHasher.SCHEME, e.hashSeed(),
            loaded.kv().numBlocks());
        observer.started(loaded.engine(), d);
        started = d;
      }
      begin("restore");
      long t3 = System.nanoTime();
      if (coldStart.snapshots() && e.enablePrefixCaching()) {
        snapshotFile = SnapshotFiles.file(files, snapshotName(m, coldStart), coldStart.snapshotDirectory());
        snapshots = new PrefixSnapshotConnector(snapshotFile, SnapshotFiles.modelKey(files, dtype, KV_DTYPE));
        restore(loaded.engine());
      }
      phases.put("restore", System.nanoTime() - t3);
      return new LoadedFunction(loaded);
    } catch (IOException | RuntimeException ex) {
      loaded.close();
      if (started != null) {
        observer.stopped(started);
        started = null;
      }
      throw ex;
    }
  }

  /**
   * The snapshot a function's context saves and restores: the function's name, for one context of
   * several its device too ({@code demo.cpu-1}), and in a cluster the replica's name
   * ({@code demo@replica-a}), so neither contexts nor replicas sharing a directory (one model directory
   * on a host, a shared volume) restore or overwrite each other's prefixes: a fleet whose replicas all
   * restored one file would start with the same prefixes everywhere, the duplicates cache-aware routing
   * avoids.
   */
  static String snapshotName(FunctionManifest m, ColdStartOptions coldStart) {
    String name = FunctionManifest.DEFAULT_DEVICE.equals(m.device()) ? m.name()
        : m.name() + "." + m.device().replaceAll("[^a-z0-9.-]", "-");
    String owner = coldStart.snapshotOwner();
    return owner == null ? name : name + "@" + owner.replaceAll("[^A-Za-z0-9._-]", "-");
  }

  /** The one device context a loader runs on (the pool gives each context its own manifest). */
  static DeviceContext context(String device) throws IOException {
    List<DeviceSpec> specs;
    try {
      specs = DeviceSpec.parseList(device);
      List<DeviceContext> contexts = DevicePlan.resolve(specs, CpuTopology.host());
      if (contexts.size() != 1) {
        throw new LoadFailedException("device '" + device + "' names " + contexts.size()
            + " contexts; a device worker runs exactly one");
      }
      return contexts.get(0);
    } catch (IllegalArgumentException ex) {
      throw new LoadFailedException(ex.getMessage());
    }
  }

  /** Restores the prefix snapshot if there is one; a stale or corrupt one is logged and deleted. */
  private void restore(Engine engine) throws IOException {
    if (!Files.isRegularFile(snapshotFile)) {
      return;
    }
    try {
      PrefixSnapshot.Summary s = snapshots.load(engine);
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
    String function = started == null ? null : started.function();
    try {
      f.engine().close();
      if (started != null) {
        observer.stopped(started);
        started = null;
      }
      if (snapshotFile != null) {
        PrefixSnapshot.Summary s = snapshots.save(f.engine(), coldStart.snapshotBudgetBytes());
        LOG.info(() -> "saved " + s.blocks() + " prefix blocks (" + s.bytes() + " bytes) to " + snapshotFile);
        SnapshotRetention.enforce(snapshotFile.toAbsolutePath().getParent(), coldStart.snapshotMaxFiles(),
            coldStart.snapshotMaxBytes());
        if (function != null && Files.isRegularFile(snapshotFile)) {
          PrefixSnapshot.BlockKeys kept = PrefixSnapshot.blockKeys(snapshotFile);
          observer.coldPrefix(function, kept.keys(), kept.chainStarts());
        }
      }
    } catch (IOException | RuntimeException ex) {
      LOG.log(Level.WARNING, "prefix snapshot not saved: " + ex.getMessage());
    } finally {
      f.close();
    }
  }
}
