package dev.ember.engine;

import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFiles;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.LoadOptions;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The one place an engine is built from a model: files and tokenizer, native weights, then the KV cache,
 * the step buffers (runner) and the engine, with one end-of-sequence rule. On any failure what was built so
 * far is closed; the result closes everything in order ({@link LoadedEngine#close()}).
 *
 * <pre>{@code
 * try (LoadedEngine e = EngineFactory.load(path, LoadOptions.defaults(),
 *     (model, tokenizer) -> EngineBuildOptions.ofBudget(1L << 30, EngineOptions.defaults(4096)))) {
 *   e.engine().submit(request);
 * }
 * }</pre>
 */
public final class EngineFactory {
  private EngineFactory() {}

  /** Chooses the engine's sizes once the weights and tokenizer are loaded (they may depend on both). */
  @FunctionalInterface
  public interface Sizing {
    EngineBuildOptions size(NativeModel model, Tokenizer tokenizer) throws IOException;
  }

  /**
   * Opens the model at {@code path} (phase "open": files and tokenizer), loads its weights ({@code load}; the
   * load's own phases) and builds the KV cache, runner and engine ("allocate").
   */
  public static LoadedEngine load(Path path, LoadOptions load, Sizing sizing) throws IOException {
    return load(path, load, sizing, phase -> {});
  }

  /**
   * As {@link #load(Path, LoadOptions, Sizing)}, telling {@code onPhase} when each phase begins ("open",
   * "weights", "allocate"), so a caller can time-box them.
   */
  public static LoadedEngine load(Path path, LoadOptions load, Sizing sizing, Consumer<String> onPhase)
      throws IOException {
    Map<String, Long> phases = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    onPhase.accept("open");
    ModelFiles files = ModelFiles.open(path);
    Tokenizer tokenizer = openTokenizer(files);
    phases.put("open", System.nanoTime() - t0);
    NativeModel model;
    EngineBuildOptions options;
    try {
      onPhase.accept("weights");
      model = NativeModel.load(files, load);
    } catch (IOException | RuntimeException e) {
      tokenizer.close();
      throw e;
    }
    try {
      options = sizing.size(model, tokenizer);
    } catch (IOException | RuntimeException e) {
      model.close();
      tokenizer.close();
      throw e;
    }
    phases.putAll(model.loadReport().phases());
    onPhase.accept("allocate");
    return build(files, model, tokenizer, options, phases);
  }

  /** {@link #load(Path, LoadOptions, Sizing)} with sizes fixed in advance. */
  public static LoadedEngine load(Path path, LoadOptions load, EngineBuildOptions options) throws IOException {
    return load(path, load, (model, tokenizer) -> options);
  }

  /**
   * Builds the KV cache, runner and engine over a loaded model and takes ownership of {@code model} and
   * {@code tokenizer}: they are closed with the result, or here if building fails.
   */
  public static LoadedEngine build(ModelFiles files, NativeModel model, Tokenizer tokenizer, EngineBuildOptions options)
      throws IOException {
    return build(files, model, tokenizer, options, new LinkedHashMap<>());
  }

  private static LoadedEngine build(ModelFiles files, NativeModel model, Tokenizer tokenizer,
      EngineBuildOptions options, Map<String, Long> phases) throws IOException {
    long t0 = System.nanoTime();
    KvCacheMemory kv = null;
    ModelRunner runner = null;
    try {
      kv = allocateKv(model, options);
      runner = new ModelRunner(model, kv, options.engine().scheduler().maxNumSeqs(), options.maxModelLen());
      int[] eos = eosTokenIds(model.config(), tokenizer);
      Engine engine = new Engine(runner, tokenizer, eos, options.engine());
      phases.put("allocate", System.nanoTime() - t0);
      return new LoadedEngine(files, model, kv, runner, engine, tokenizer, eos, options.maxModelLen(), phases);
    } catch (IOException | RuntimeException e) {
      if (runner != null) {
        runner.close();
      }
      if (kv != null) {
        kv.close();
      }
      model.close();
      tokenizer.close();
      throw e;
    }
  }

  private static KvCacheMemory allocateKv(NativeModel model, EngineBuildOptions o) throws IOException {
    if (o.kvBlocks() > 0) {
      return KvCacheMemory.allocate(model, o.kvBlocks(), o.blockSize(), o.kvDtype());
    }
    KvCacheMemory kv = KvCacheMemory.ofBudget(model, o.kvCacheMemory(), o.blockSize(), o.kvDtype());
    // One block stays out of the engine's pool (the null block), so one sequence needs numBlocks - 1 to hold it.
    if ((long) (kv.numBlocks() - 1) * o.blockSize() < o.maxModelLen()) {
      int blocks = kv.numBlocks();
      kv.close();
      throw new KvBudgetException("kvCacheMemory " + o.kvCacheMemory() + " bytes holds " + blocks + " blocks of "
          + o.blockSize() + " tokens, fewer than one " + o.maxModelLen() + "-token sequence needs; raise"
          + " kvCacheMemory or lower maxModelLen");
    }
    return kv;
  }

  /**
   * The tokenizer of a model: the GGUF file's own vocabulary, else the {@code tokenizer.json} next to the
   * weights.
   */
  public static Tokenizer openTokenizer(ModelFiles files) throws IOException {
    if (files.vocabulary().isPresent()) {
      return Tokenizer.fromVocabulary(files.vocabulary().get());
    }
    Path json = files.tokenizerJson()
        .orElseThrow(() -> new IOException("no tokenizer.json next to " + files.source() + " and no GGUF vocabulary"));
    return Tokenizer.load(json.getParent());
  }

  /**
   * The end-of-sequence rule: every id the model's configuration lists (config.json, generation_config.json
   * or GGUF metadata) and the tokenizer's own end-of-sequence token, without duplicates, in that order.
   */
  public static int[] eosTokenIds(ModelConfig config, Tokenizer tokenizer) {
    return IntStream.concat(config.eosTokenIds().stream().mapToInt(Integer::intValue), tokenizer.eosTokenId().stream())
        .distinct().toArray();
  }
}
