package dev.ember.function;

import dev.ember.engine.Engine;
import dev.ember.tokenizer.Tokenizer;

/**
 * What a {@link PrewarmHook} sees: the function and, once the model is loaded, its engine and tokenizer.
 * Hooks run on the device worker thread, which owns the engine's step loop, so {@link #generate} can run
 * a request to completion right there.
 */
public interface WarmContext {
  String function();

  FunctionManifest manifest();

  /** The loaded engine, or null in {@code beforeWarm}. */
  Engine engine();

  /** The loaded tokenizer, or null in {@code beforeWarm}. */
  Tokenizer tokenizer();

  /**
   * Runs a prompt (rendered with the chat template when the model has one) greedily for up to maxTokens
   * tokens, stepping the engine on this thread, and returns the generated text.
   */
  String generate(String prompt, int maxTokens);
}
