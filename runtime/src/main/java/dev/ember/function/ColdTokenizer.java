package dev.ember.function;

import dev.ember.engine.EngineFactory;
import dev.ember.model.ModelFiles;
import dev.ember.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A function's tokenizer opened from its model files alone (the GGUF file's vocabulary, or the
 * {@code tokenizer.json} next to the weights), without the weights, so that a function that is not WARM
 * still tokenizes and detokenizes: {@code /tokenize} answers, and a cluster replica holding the function
 * COLD routes a request by its prompt's cached prefix before forwarding it. Opened on first use, on the
 * calling (worker) thread, and kept until {@link #close()}; uses and the close exclude each other, so the
 * tokenizer is never closed under an encode.
 *
 * <pre>{@code int[] ids = cold.use(t -> t.encode("hello", true)); cold.close(); }</pre>
 */
final class ColdTokenizer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ColdTokenizer.class.getName());
  private final FunctionManifest manifest;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile Tokenizer tokenizer;
  private boolean closed;

  ColdTokenizer(FunctionManifest manifest) {
    this.manifest = manifest;
  }

  /**
   * Applies {@code f} to the tokenizer, opening it first if needed (blocking: call it off the event loop).
   * Throws 503 when the model files give no tokenizer, and {@link IllegalStateException} once closed.
   */
  <T> T use(Function<Tokenizer, T> f) {
    if (tokenizer == null) {
      open();
    }
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the tokenizer of function '" + manifest.name() + "' is closed");
      }
      return f.apply(tokenizer);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void open() {
    lock.writeLock().lock();
    try {
      if (tokenizer != null || closed) {
        return;
      }
      tokenizer = EngineFactory.openTokenizer(ModelFiles.open(modelPath(manifest)));
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.WARNING, "function=" + manifest.name() + " could not open its tokenizer without the weights", e);
      throw FunctionException.unavailable(manifest.name(), "function is not loaded and its tokenizer could not be"
          + " opened", 1);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Where the function's model is (the embedded demo model is created on first use). */
  private static Path modelPath(FunctionManifest m) throws IOException {
    return FunctionManifest.ModelSpec.EMBEDDED_DEMO.equals(m.model().path()) ? DemoModel.ensure()
        : Path.of(m.model().path());
  }

  /** Closes the tokenizer for good, waiting for running uses (blocking: call it off the event loop). */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      if (tokenizer != null) {
        tokenizer.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
