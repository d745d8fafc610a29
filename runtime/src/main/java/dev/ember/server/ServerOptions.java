package dev.ember.server;

import dev.ember.function.FunctionManifest;
import dev.ember.http.HttpOptions;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@link EmberServer} needs: the HTTP settings, the functions to deploy at start, and how
 * long a graceful shutdown (or a DELETE without a timeout) lets in-flight requests finish.
 *
 * <pre>{@code new ServerOptions(HttpOptions.defaults(), List.of(DemoFunction.manifest()), ServerOptions.DEFAULT_SHUTDOWN_TIMEOUT) }</pre>
 */
public record ServerOptions(HttpOptions http, List<FunctionManifest> functions, Duration shutdownTimeout) {
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  public static final String SHUTDOWN_TIMEOUT_DOC = "How long in-flight requests may finish on shutdown or undeploy"
      + " before they are aborted with an error.";

  public ServerOptions {
    functions = List.copyOf(functions);
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdownTimeout must be >= 0, got " + shutdownTimeout);
    }
  }
}
