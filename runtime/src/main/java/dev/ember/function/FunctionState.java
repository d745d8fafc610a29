package dev.ember.function;

/**
 * Where a function is on this replica (ARCHITECTURE.md, "Function lifecycle"): COLD (nothing loaded)
 * -> WARMING (mapping weights, allocating KV, running prewarm hooks) -> WARM (serving) -> DRAINING
 * (finishing in-flight work before freeing memory) -> COLD; FAILED when loading failed (with a reason).
 */
public enum FunctionState {
  COLD,
  WARMING,
  WARM,
  DRAINING,
  FAILED;

  /** True when requests are accepted without waiting for a warm-up. */
  public boolean serving() {
    return this == WARM;
  }
}
