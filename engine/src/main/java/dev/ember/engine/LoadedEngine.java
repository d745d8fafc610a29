package dev.ember.engine;

import dev.ember.model.ModelFiles;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An engine and everything under it, as {@link EngineFactory} built them: model files, native weights,
 * KV cache, step buffers, the engine and the tokenizer, plus the end-of-sequence ids the engine stops on.
 * Closing frees them in the reverse order of building (engine, runner, KV cache, weights, tokenizer), on
 * the thread that steps the engine.
 *
 * <pre>{@code try (LoadedEngine e = EngineFactory.load(path, LoadOptions.defaults(), sizing)) { e.engine().step(); } }</pre>
 */
public final class LoadedEngine implements AutoCloseable {
  private final ModelFiles files;
  private final NativeModel model;
  private final KvCacheMemory kv;
  private final ModelRunner runner;
  private final Engine engine;
  private final Tokenizer tokenizer;
  private final int[] eosTokenIds;
  private final int maxModelLen;
  private final Map<String, Long> phases;
  private boolean closed;

  LoadedEngine(ModelFiles files, NativeModel model, KvCacheMemory kv, ModelRunner runner, Engine engine,
      Tokenizer tokenizer, int[] eosTokenIds, int maxModelLen, Map<String, Long> phases) {
    this.files = files;
    this.model = model;
    this.kv = kv;
    this.runner = runner;
    this.engine = engine;
    this.tokenizer = tokenizer;
    this.eosTokenIds = eosTokenIds;
    this.maxModelLen = maxModelLen;
    this.phases = Collections.unmodifiableMap(new LinkedHashMap<>(phases));
  }

  public ModelFiles files() {
    return files;
  }

  public NativeModel model() {
    return model;
  }

  public KvCacheMemory kv() {
    return kv;
  }

  public ModelRunner runner() {
    return runner;
  }

  public Engine engine() {
    return engine;
  }

  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** Longest sequence the engine admits. */
  public int maxModelLen() {
    return maxModelLen;
  }

  /** The end-of-sequence ids the engine stops on ({@link EngineFactory#eosTokenIds}). */
  public int[] eosTokenIds() {
    return eosTokenIds.clone();
  }

  public boolean isEos(int tokenId) {
    for (int id : eosTokenIds) {
      if (id == tokenId) {
        return true;
      }
    }
    return false;
  }

  /** Durations of the build phases in nanoseconds, in order ("open", the weight load's phases, "allocate"). */
  public Map<String, Long> phases() {
    return phases;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      engine.close();
    } finally {
      runner.close();
      kv.close();
      model.close();
      tokenizer.close();
    }
  }

  @Override
  public String toString() {
    return "LoadedEngine[" + files.source() + ", eos " + Arrays.toString(eosTokenIds) + "]";
  }
}
