package dev.ember.engine;

import java.util.concurrent.TimeUnit;

/**
 * Runs an engine's step loop on a thread of its own (benchmarks and tools; the server runs steps on
 * its device worker instead): steps while there is work, sleeps until a submission wakes it.
 *
 * <pre>{@code EngineLoop loop = EngineLoop.start(engine, "ember-engine"); ... loop.close(); }</pre>
 */
public final class EngineLoop implements AutoCloseable {
  private final Engine engine;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  private EngineLoop(Engine engine, String name) {
    this.engine = engine;
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
  }

  public static EngineLoop start(Engine engine, String name) {
    EngineLoop l = new EngineLoop(engine, name);
    l.thread.start();
    return l;
  }

  private void loop() {
    try {
      while (running) {
        if (!engine.step()) {
          engine.awaitWork(50, TimeUnit.MILLISECONDS);
        }
      }
      engine.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      failure = e;
      throw e;
    }
  }

  /** The error that ended the loop, or null. */
  public Throwable failure() {
    return failure;
  }

  /** Stops the loop after its current step (aborting what is left) and waits for it. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join();
  }
}
