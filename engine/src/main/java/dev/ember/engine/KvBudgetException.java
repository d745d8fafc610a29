package dev.ember.engine;

import java.io.IOException;

/**
 * The KV cache budget cannot hold one sequence of the engine's maximum length: a settings error, whose
 * message names only the settings (safe to show to API clients).
 */
public final class KvBudgetException extends IOException {
  public KvBudgetException(String message) {
    super(message);
  }
}
