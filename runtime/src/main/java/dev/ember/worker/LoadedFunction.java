package dev.ember.worker;

import dev.ember.engine.Engine;
import dev.ember.engine.LoadedEngine;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.tokenizer.Tokenizer;

/**
 * Everything one loaded function holds in memory, owned by its device worker's thread: native weights,
 * the KV cache, the step buffers, the engine and the tokenizer, as EngineFactory built them. Closing frees
 * all of it, in order.
 */
record LoadedFunction(LoadedEngine loaded) implements AutoCloseable {
  NativeModel model() {
    return loaded.model();
  }

  KvCacheMemory kv() {
    return loaded.kv();
  }

  ModelRunner runner() {
    return loaded.runner();
  }

  Engine engine() {
    return loaded.engine();
  }

  Tokenizer tokenizer() {
    return loaded.tokenizer();
  }

  int maxModelLen() {
    return loaded.maxModelLen();
  }

  @Override
  public void close() {
    loaded.close();
  }
}
