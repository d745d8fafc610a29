package dev.ember.function;

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

  /** True when at least one function is WARM (readiness). */
  default boolean ready() {
    return list().stream().anyMatch(f -> f.state().serving());
  }
}
