package dev.ember.worker;

import dev.ember.engine.Engine;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.tokenizer.Tokenizer;

/**
 * Everything one loaded function holds in memory, owned by its device worker's thread: native weights,
 * the KV cache, the step buffers, the engine and the tokenizer. Closing frees all of it.
 */
record LoadedFunction(NativeModel model, KvCacheMemory kv, ModelRunner runner, Engine engine, Tokenizer tokenizer,
    int maxModelLen) implements AutoCloseable {
  @Override
  public void close() {
    engine.close();
    runner.close();
    kv.close();
    model.close();
    tokenizer.close();
  }
}
