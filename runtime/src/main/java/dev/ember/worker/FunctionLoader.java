package dev.ember.worker;

import dev.ember.engine.Engine;
import dev.ember.engine.EngineOptions;
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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Brings a function from its manifest into memory (on the device worker's thread): open and validate
 * the model files, load the tokenizer, map/convert weights, size the KV cache from its memory budget and
 * build the engine. Each phase is timed for the cold-start metrics.
 */
final class FunctionLoader {
  private final Map<String, Long> phases = new LinkedHashMap<>();

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
    ModelFiles files = ModelFiles.open(path);
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
      long t2 = System.nanoTime();
      phases.put("weights", t2 - t1);
      ModelConfig c = model.config();
      int maxModelLen = Math.min(e.maxModelLen(), c.maxPositionEmbeddings());
      kv = KvCacheMemory.ofBudget(model, e.kvCacheMemory(), e.blockSize(), DType.F16);
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
      Engine engine = new Engine(runner, tokenizer, eos,
          EngineOptions.defaults(maxModelLen).withScheduler(so).withPrefixCaching(e.enablePrefixCaching()));
      phases.put("allocate", System.nanoTime() - t2);
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
}
