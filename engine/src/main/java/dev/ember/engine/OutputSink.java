package dev.ember.engine;

/** Receives a request's outputs, on the engine's step thread: hand them off, never block. */
@FunctionalInterface
public interface OutputSink {
  void accept(RequestOutput output);
}
