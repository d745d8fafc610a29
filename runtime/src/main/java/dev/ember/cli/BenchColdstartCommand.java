package dev.ember.cli;

import dev.ember.engine.Engine;
import dev.ember.engine.EngineBuildOptions;
import dev.ember.engine.EngineFactory;
import dev.ember.engine.EngineOptions;
import dev.ember.engine.EngineRequest;
import dev.ember.engine.LoadedEngine;
import dev.ember.engine.RequestOutput;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.coldstart.PrefixSnapshotConnector;
import dev.ember.coldstart.SnapshotFiles;
import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.model.TensorInfo;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.LoadOptions;
import dev.ember.runner.LoadReport;
import dev.ember.runner.WeightCache;
import dev.ember.sample.SamplingParams;
import dev.ember.sched.SchedulerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench coldstart}: time to first token from COLD (no weights, no KV memory) split by
 * phase, next to the time to read the weight bytes once; twice (the first start may convert weights
 * into the cache, the second maps it); and the TTFT of a request whose prefix was restored from a
 * snapshot against the same request on a WARM engine with the prefix cached and uncached. Drops the
 * page cache before each timed read when the kernel lets it, and says so when it cannot.
 */
@Command(name = "coldstart", mixinStandardHelpOptions = true,
    description = "Cold-start TTFT by phase vs raw weight read time; restored-prefix TTFT vs warm.")
public final class BenchColdstartCommand implements Callable<Integer> {
  private static final int BLOCK = KvCacheMemory.DEFAULT_BLOCK_SIZE;

  @Mixin ModelOptions modelOptions;

  @Option(names = "--prefix-tokens", defaultValue = "512", description = "Shared prefix tokens (default ${DEFAULT-VALUE}).")
  int prefixTokens;

  @Option(names = "--suffix-tokens", defaultValue = "32", description = "Per-request suffix tokens (default ${DEFAULT-VALUE}).")
  int suffixTokens;

  @Option(names = "--rebuild-cache", description = "Delete the converted-weights cache first, so the first start converts.")
  boolean rebuildCache;

  @Option(names = "--no-drop-cache", description = "Do not drop the page cache (on a shared machine, say).")
  boolean noDropCache;

  private boolean cacheDropped;
  private String dropFailure;

  /** One start's figures. */
  private record Start(Map<String, Long> phases, long ttftNanos, int cachedTokens, LoadReport report) {}

  @Override
  public Integer call() throws Exception {
    Path path = modelOptions.model != null ? modelOptions.model : dev.ember.function.DemoModel.ensure();
    LoadOptions load = modelOptions.loadOptions();
    ModelFiles probe = ModelFiles.open(path);
    if (rebuildCache && load.dtype() != null) {
      Files.deleteIfExists(WeightCache.directoryFor(probe, load.weightCacheDir()).resolve("weights-" + load.dtype() + ".ember"));
    }
    int vocab = Math.min(probe.config().vocabSize(), 32000);
    SplittableRandom random = new SplittableRandom(7);
    int[] prefix = random.ints(prefixTokens, 0, vocab).toArray();
    int[][] suffixes = new int[5][];
    for (int i = 0; i < suffixes.length; i++) {
      suffixes[i] = random.ints(suffixTokens, 0, vocab).toArray();
    }
    int[] unrelated = random.ints(prefixTokens + suffixTokens, 0, vocab).toArray();
    Path snapshot = Files.createTempDirectory("ember-bench-coldstart").resolve("prefix.kvsnap");
    long t0 = System.nanoTime();
    String modelKey = SnapshotFiles.modelKey(probe, load.dtype(), DType.F16);
    long keyNanos = System.nanoTime() - t0;

    Set<Path> sources = new LinkedHashSet<>();
    probe.tensors().forEach(t -> sources.add(t.file()));
    long sourceBytes = probe.tensors().stream().mapToLong(TensorInfo::byteLength).sum();
    dropPageCache();
    long readSources = readOnce(sources);

    dropPageCache();
    long[] warm = new long[2];
    Start first = start(path, load, join(prefix, suffixes[0]), null, modelKey, engine -> {
      warm[0] = ttft(engine, unrelated).timings().firstTokenNanos();
      warm[1] = ttft(engine, join(prefix, suffixes[1])).timings().firstTokenNanos();
      PrefixSnapshot.Summary s = new PrefixSnapshotConnector(snapshot, modelKey).save(engine, 1L << 30);
      System.out.printf("snapshot         %d blocks, %.1f MB written on unload%n", s.blocks(), s.bytes() / 1e6);
    });
    Path usedFile = first.report().cacheFile();
    long readUsed = readSources;
    if (usedFile != null) {
      dropPageCache();
      readUsed = readOnce(Set.of(usedFile));
    }
    dropPageCache();
    Start second = start(path, load, join(prefix, suffixes[2]), snapshot, modelKey, engine -> {});

    System.out.printf("model            %s, %s, %.1f MB of source tensors in %d file(s)%n", path,
        load.dtype() == null ? "types as stored" : "loaded as " + load.dtype(), sourceBytes / 1e6, sources.size());
    System.out.printf("page cache       %s%n", cacheDropped ? "dropped before each timed read and start"
        : "NOT dropped (" + dropFailure + "): figures are warm-cache");
    System.out.printf("model key        %.0f ms (content hash; later starts read it from the sidecar)%n", keyNanos / 1e6);
    System.out.printf("raw read         sources %.0f ms (%.2f GB/s)%s%n", readSources / 1e6, sourceBytes / (double) readSources,
        usedFile == null ? "" : String.format(", weight cache file %.0f ms (%.1f MB)", readUsed / 1e6,
            Files.size(usedFile) / 1e6));
    report("start 1", first, prefixTokens + suffixTokens, usedFile == null ? readSources : readUsed);
    report("start 2", second, prefixTokens + suffixTokens, usedFile == null ? readSources : readUsed);
    System.out.printf("TTFT warm        uncached %.1f ms, prefix cached %.1f ms; after restored snapshot (start 2) %.1f ms"
        + " = %.2fx the warm hit (target <= 2x)%n", warm[0] / 1e6, warm[1] / 1e6, second.ttftNanos() / 1e6,
        (double) second.ttftNanos() / warm[1]);
    Files.deleteIfExists(snapshot);
    Files.deleteIfExists(snapshot.getParent());
    return 0;
  }

  private interface WarmWork {
    void run(Engine engine) throws IOException;
  }

  /** A start from COLD: open, load, allocate, restore, first request; then {@code warm} on the WARM engine. */
  private Start start(Path path, LoadOptions load, int[] firstPrompt, Path snapshot, String modelKey, WarmWork warm)
      throws IOException {
    Map<String, Long> phases = new LinkedHashMap<>();
    int maxModelLen = prefixTokens + suffixTokens + BLOCK;
    int blocksPerSeq = (maxModelLen + BLOCK - 1) / BLOCK;
    EngineBuildOptions build = EngineBuildOptions.ofBlocks(1 + 6 * blocksPerSeq, EngineOptions.defaults(maxModelLen)
        .withScheduler(new SchedulerOptions(4, Math.max(load.maxBatchTokens(), maxModelLen), maxModelLen,
            SchedulerOptions.Policy.FCFS)));
    try (LoadedEngine loaded = EngineFactory.load(path,
        load.withMaxBatchTokens(Math.max(load.maxBatchTokens(), maxModelLen)), build)) {
      phases.putAll(loaded.phases());
      Engine engine = loaded.engine();
      long t3 = System.nanoTime();
      if (snapshot != null) {
        new PrefixSnapshotConnector(snapshot, modelKey).load(engine);
      }
      long t4 = System.nanoTime();
      phases.put("restore", t4 - t3);
      RequestOutput out = ttft(engine, firstPrompt);
      phases.put("first token", out.timings().firstTokenNanos());
      Start s = new Start(phases, out.timings().firstTokenNanos(), out.usage().cachedTokens(),
          loaded.model().loadReport());
      warm.run(engine);
      return s;
    }
  }

  /** Runs a one-token greedy request on this thread and returns its final output. */
  private static RequestOutput ttft(Engine engine, int[] prompt) {
    List<RequestOutput> outs = new ArrayList<>();
    engine.submit(new EngineRequest("bench-" + System.nanoTime(), prompt,
        SamplingParams.builder().temperature(0).maxTokens(1).ignoreEos(true).build(), null, 0, outs::add));
    while (engine.step()) {
      // stepping until the request is done
    }
    RequestOutput last = outs.get(outs.size() - 1);
    if (last.error() != null) {
      throw new IllegalStateException(last.error());
    }
    return last;
  }

  private void report(String label, Start s, int promptTokens, long readNanos) {
    long total = s.phases().values().stream().mapToLong(Long::longValue).sum();
    StringBuilder b = new StringBuilder();
    s.phases().forEach((k, v) -> b.append(String.format("%s %.0f, ", k, v / 1e6)));
    double target = 1.3 * readNanos + 200e6;
    System.out.printf("%-16s %s(ms); %s, %d of %d prompt tokens cached%n", label, b,
        s.report().cacheFile() == null ? "weights in place" : s.report().cacheHit() ? "weight cache hit"
            : "converted " + s.report().convertedTensors() + " tensors into the cache",
        s.cachedTokens(), promptTokens);
    long ready = total - s.ttftNanos();
    System.out.printf("%-16s TTFT from COLD %.0f ms vs target 1.3 x read + 200 ms = %.0f ms: %s; ready to serve after"
        + " %.0f ms = %.2f x read, first token then %.0f ms%n", "", total / 1e6, target / 1e6,
        total <= target ? "met" : "missed", ready / 1e6, (double) ready / readNanos, s.ttftNanos() / 1e6);
  }

  private static int[] join(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
  }

  /** Reads the files once, sequentially, and returns the nanoseconds it took. */
  private static long readOnce(Set<Path> files) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(8 << 20);
    long t0 = System.nanoTime();
    for (Path f : files) {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        while (ch.read(buf.clear()) >= 0) {
          // reading
        }
      }
    }
    return System.nanoTime() - t0;
  }

  private void dropPageCache() {
    if (noDropCache) {
      dropFailure = "--no-drop-cache";
      return;
    }
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3", StandardCharsets.US_ASCII);
      cacheDropped = true;
    } catch (IOException e) {
      cacheDropped = false;
      dropFailure = "cannot write /proc/sys/vm/drop_caches: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      dropFailure = "interrupted";
    }
  }
}
