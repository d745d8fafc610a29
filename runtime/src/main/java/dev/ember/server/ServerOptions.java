package dev.ember.server;

import dev.ember.cluster.ClusterOptions;
import dev.ember.function.FunctionManifest;
import dev.ember.http.HttpOptions;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@link EmberServer} needs: the HTTP settings, the functions to deploy at start, how
 * long a graceful shutdown (or a DELETE without a timeout) lets in-flight requests finish, and the
 * cluster to join (null: none, nothing of Hazelcast starts).
 *
 * <pre>{@code new ServerOptions(HttpOptions.defaults(), List.of(DemoFunction.manifest()), ServerOptions.DEFAULT_SHUTDOWN_TIMEOUT) }</pre>
 */
public record ServerOptions(HttpOptions http, List<FunctionManifest> functions, Duration shutdownTimeout,
    ClusterOptions cluster) {
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  public static final String SHUTDOWN_TIMEOUT_DOC = "How long in-flight requests may finish on shutdown or undeploy"
      + " before they are aborted with an error.";

  /** A replica on its own (no cluster). */
  public ServerOptions(HttpOptions http, List<FunctionManifest> functions, Duration shutdownTimeout) {
    this(http, functions, shutdownTimeout, null);
  }

  public ServerOptions {
    functions = List.copyOf(functions);
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdownTimeout must be >= 0, got " + shutdownTimeout);
    }
  }
}
