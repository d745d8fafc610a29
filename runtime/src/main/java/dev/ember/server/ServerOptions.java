package dev.ember.server;

import dev.ember.function.FunctionLoadOptions;
import dev.ember.cluster.ClusterOptions;
import dev.ember.function.FunctionManifest;
import dev.ember.http.HttpOptions;
import dev.ember.http.admin.AdminOptions;
import dev.ember.kvevents.KvEventsOptions;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@link EmberServer} needs: the HTTP settings, the functions to deploy at start, how long a
 * graceful shutdown (or a DELETE without a timeout) lets in-flight requests finish, who may use the
 * admin API, how functions load, the cluster to join (null: none, nothing of Hazelcast starts), and where the
 * engines' KV events are published in vLLM's wire format (null: nowhere).
 *
 * <pre>{@code new ServerOptions(HttpOptions.defaults(), List.of(DemoFunction.manifest()), ServerOptions.DEFAULT_SHUTDOWN_TIMEOUT) }</pre>
 */
public record ServerOptions(HttpOptions http, List<FunctionManifest> functions, Duration shutdownTimeout,
    AdminOptions admin, FunctionLoadOptions load, ClusterOptions cluster, KvEventsOptions kvEvents) {
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  public static final String SHUTDOWN_TIMEOUT_DOC = "How long in-flight requests may finish on shutdown or undeploy"
      + " before they are aborted with an error.";

  public ServerOptions {
    functions = List.copyOf(functions);
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdownTimeout must be >= 0, got " + shutdownTimeout);
    }
    for (String key : admin.apiKeys()) {
      if (http.apiKeys().contains(key)) {
        throw new IllegalArgumentException("an admin API key is also an inference API key; give the admin API its own");
      }
    }
  }

  /** A replica on its own (no cluster), with default admin access (loopback clients only) and load options. */
  public ServerOptions(HttpOptions http, List<FunctionManifest> functions, Duration shutdownTimeout) {
    this(http, functions, shutdownTimeout, AdminOptions.defaults(), FunctionLoadOptions.defaults());
  }

  /** A replica on its own (no cluster, no KV event publishing). */
  public ServerOptions(HttpOptions http, List<FunctionManifest> functions, Duration shutdownTimeout,
      AdminOptions admin, FunctionLoadOptions load) {
    this(http, functions, shutdownTimeout, admin, load, null, null);
  }

  /** The same options in a cluster (null: none). */
  public ServerOptions withCluster(ClusterOptions c) {
    return new ServerOptions(http, functions, shutdownTimeout, admin, load, c, kvEvents);
  }

  /** The same options, also publishing the engines' KV events in vLLM's wire format (null: not). */
  public ServerOptions withKvEvents(KvEventsOptions o) {
    return new ServerOptions(http, functions, shutdownTimeout, admin, load, cluster, o);
  }
}
