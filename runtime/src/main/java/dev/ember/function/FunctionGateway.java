package dev.ember.function;

import dev.ember.engine.EngineStats;
import java.util.List;
import java.util.Optional;

/**
 * Resolves function names to endpoints for the doors: HTTP and Kafka validate a request, ask the
 * gateway for the function named by {@code model}, and submit to it.
 */
public interface FunctionGateway {
  Optional<FunctionEndpoint> function(String name);

  /** Every deployed function, in deployment order. */
  List<FunctionInfo> list();

  /** One device context of a function and its engine stats (null while the context is not loaded). */
  record ContextStats(String device, EngineStats stats) {
    /** A function known only as a whole: one context, its device and stats. */
    public static List<ContextStats> whole(FunctionInfo f) {
      return List.of(new ContextStats(f.device(), f.stats()));
    }
  }

  /**
   * The function's device contexts with their stats, in device order, for per-device metrics; a function
   * this gateway does not run itself counts as one context.
   */
  default List<ContextStats> contextStats(FunctionInfo f) {
    return ContextStats.whole(f);
  }

  /** True when at least one function is WARM (readiness). */
  default boolean ready() {
    return list().stream().anyMatch(f -> f.state().serving());
  }
}
