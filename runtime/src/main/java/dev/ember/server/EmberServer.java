package dev.ember.server;

import dev.ember.cluster.ClusterNode;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionLoadOptions;
import dev.ember.function.FunctionRegistry;
import dev.ember.http.EmberHttpServer;
import dev.ember.http.OperationsRoutes;
import dev.ember.http.RouteContributor;
import dev.ember.http.admin.AdminRoutes;
import dev.ember.kvevents.KvEventPublisher;
import dev.ember.metrics.MetricsSetup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One Ember replica: Vert.x with the Prometheus metrics, the function registry, and the HTTP server
 * with the OpenAI, admin, health and metrics routes. {@link #start} listens first (so
 * {@code /health/live} answers while models load), then deploys the configured functions side by
 * side; one that fails to load stays FAILED with its reason. {@link #shutdown} is graceful: new
 * requests get 503, in-flight ones may finish until the deadline, the rest end with an error, then
 * every function is drained and Vert.x closed.
 *
 * <pre>{@code
 * EmberServer server = EmberServer.start(options).await();
 * Runtime.getRuntime().addShutdownHook(server.shutdownHook());
 * }</pre>
 */
public final class EmberServer {
  private static final Logger LOG = Logger.getLogger(EmberServer.class.getName());
  /** After aborting, how long responses may take to carry the error out before connections close. */
  private static final Duration ABORT_GRACE = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final MetricsSetup metrics;
  private final FunctionRegistry registry;
  private final EmberHttpServer http;
  /** The admin API's own server ({@code --admin-port}), or null when it shares the inference port. */
  private final EmberHttpServer adminHttp;
  private final ServerOptions options;
  private final ClusterNode cluster;
  private final Promise<Void> stopped = Promise.promise();
  private boolean stopping;

  private EmberServer(Vertx vertx, MetricsSetup metrics, FunctionRegistry registry, EmberHttpServer http,
      EmberHttpServer adminHttp, ServerOptions options, ClusterNode cluster) {
    this.cluster = cluster;
    this.vertx = vertx;
    this.metrics = metrics;
    this.registry = registry;
    this.http = http;
    this.adminHttp = adminHttp;
    this.options = options;
  }

  /** Starts listening, then deploys every function; completes once each has ended warming (WARM or FAILED). */
  public static Future<EmberServer> start(ServerOptions options) {
    MetricsSetup metrics = MetricsSetup.create();
    if (options.cluster() == null) {
      return start(options, metrics, metrics.vertxBuilder(new VertxOptions()).build(), null);
    }
    VertxBuilder builder = metrics.vertxBuilder(ClusterNode.vertxOptions(options.cluster()));
    HazelcastClusterManager manager = ClusterNode.manager(options.cluster());
    return builder.withClusterManager(manager).buildClustered()
        .recover(e -> {
          metrics.close();
          return Future.failedFuture(e);
        })
        .compose(vertx -> start(options, metrics, vertx, manager));
  }

  private static Future<EmberServer> start(ServerOptions options, MetricsSetup metrics, Vertx vertx,
      HazelcastClusterManager manager) {
    // A cluster replica keeps prefix snapshots of its own: replicas may share the model's directory.
    FunctionLoadOptions load = manager == null ? options.load() : options.load().withColdStart(
        options.load().coldStart().withSnapshotOwner(ClusterNode.replicaName(manager, options.cluster())));
    FunctionRegistry registry = new FunctionRegistry(vertx, metrics.servingMetrics(), load);
    registry.onRemoved(metrics.servingMetrics()::forget);
    metrics.watch(registry);
    KvEventPublisher kvEvents;
    try {
      kvEvents = options.kvEvents() == null ? null : KvEventPublisher.start(options.kvEvents(), metrics.registry());
    } catch (IllegalStateException e) {
      return vertx.close().eventually(() -> {
        metrics.close();
        return Future.succeededFuture();
      }).transform(v -> Future.failedFuture(e));
    }
    if (kvEvents != null) {
      registry.observeEngines(kvEvents);
    }
    AdminRoutes admin;
    try {
      admin = new AdminRoutes(registry, options.shutdownTimeout(), options.admin(), options.http().apiKeys());
    } catch (IllegalArgumentException e) {
      closeQuietly(kvEvents);
      return vertx.close().eventually(() -> {
        metrics.close();
        return Future.succeededFuture();
      }).transform(v -> Future.failedFuture(e));
    }
    Integer adminPort = options.admin().port();
    List<RouteContributor> routes = new ArrayList<>();
    if (adminPort == null) {
      routes.add(admin);
    }
    routes.add(new OperationsRoutes(registry, metrics, options.http()));
    Future<EmberHttpServer> adminHttp = adminPort == null ? Future.succeededFuture()
        : EmberHttpServer.startSeparate(vertx, options.admin().host(), adminPort, options.http().bodyLimitBytes(),
            options.http().connections(), List.of(admin));
    Future<ClusterNode> joined = manager == null ? Future.succeededFuture()
        : ClusterNode.join(vertx, manager, registry, options.functions(), options.cluster(), metrics.registry());
    Promise<EmberServer> result = Promise.promise();
    adminHttp.compose(a -> joined
        .compose(node -> {
          if (node != null) {
            routes.add(node.routes());
          }
          return EmberHttpServer.start(vertx, node == null ? registry : node.gateway(), options.http(), routes)
              .map(http -> new EmberServer(vertx, metrics, registry, http, a, options, node));
        }))
        .compose(server -> {
          if (server.cluster != null) {
            server.cluster.announce();
          }
          return server.deployAll(options.functions()).map(server);
        })
        .onComplete(r -> {
          if (r.succeeded()) {
            NativeHeapTrim.schedule(vertx);
            // Drained functions publish their last events first, then the publisher closes.
            r.result().stopped().onComplete(v -> closeQuietly(kvEvents));
            result.complete(r.result());
            return;
          }
          closeQuietly(kvEvents);
          // Failed from Vert.x's closing thread on a context-free promise: this chain's contexts are gone by then.
          vertx.close().onComplete(v -> {
            metrics.close();
            result.fail(r.cause());
          });
        });
    return result.future();
  }

  private static void closeQuietly(KvEventPublisher p) {
    if (p != null) {
      p.close();
    }
  }

  private Future<Void> deployAll(List<FunctionManifest> functions) {
    List<Future<FunctionInfo>> all = new ArrayList<>();
    for (FunctionManifest m : functions) {
      all.add(registry.deploy(m));
    }
    return Future.all(all).mapEmpty();
  }

  public int port() {
    return http.actualPort();
  }

  /** The admin API's port: its own with {@code --admin-port}, else the inference port. */
  public int adminPort() {
    return adminHttp != null ? adminHttp.actualPort() : http.actualPort();
  }

  /** The replica's metrics (one Prometheus scrape), e.g. for binding the Kafka door's counters. */
  public MetricsSetup metrics() {
    return metrics;
  }

  public FunctionRegistry registry() {
    return registry;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** What the doors serve: the registry, or in a cluster the gateway that routes across replicas. */
  public FunctionGateway gateway() {
    return cluster == null ? registry : cluster.gateway();
  }

  /**
   * Graceful shutdown: stop accepting (new requests get 503), wait up to {@code deadline} for in-flight
   * requests, then drain every function (aborting what is left with an error), stop listening and
   * close Vert.x. Calling it again returns the same future.
   */
  public synchronized Future<Void> shutdown(Duration deadline) {
    if (stopping) {
      return stopped.future();
    }
    stopping = true;
    LOG.info(() -> "shutting down: in_flight=" + http.inFlightRequests() + " deadline_ms=" + deadline.toMillis());
    http.stopAccepting();
    if (adminHttp != null) {
      adminHttp.stopAccepting();
    }
    Future<Void> left = cluster == null ? Future.succeededFuture() : cluster.leave();
    left.transform(r -> within(cluster == null ? http.drained()
            : Future.join(http.drained(), cluster.drained()).mapEmpty(), deadline))
        .compose(drained -> {
          if (!drained) {
            LOG.warning(() -> "shutdown deadline passed; aborting " + http.inFlightRequests() + " request(s)");
          }
          return registry.shutdown(Duration.ZERO);
        })
        .compose(v -> within(http.drained(), ABORT_GRACE))
        .eventually(http::close)
        .eventually(() -> adminHttp != null ? adminHttp.close() : Future.succeededFuture())
        .onComplete(r -> {
          if (r.failed()) {
            LOG.log(Level.WARNING, "shutdown ended with an error", r.cause());
          }
          // Vert.x's close completes its own context-free future on its closing thread; chained onto this
          // one instead, its completion would be handed to one of this chain's event loops, stopped by then.
          vertx.close().onComplete(c -> {
            metrics.close();
            if (c.failed()) {
              LOG.log(Level.WARNING, "closing Vert.x failed", c.cause());
            }
            stopped.complete();
          });
        });
    return stopped.future();
  }

  /** Completes once a shutdown has finished. */
  public Future<Void> stopped() {
    return stopped.future();
  }

  /** Completes with true when {@code f} completes within the deadline, false otherwise. */
  private Future<Boolean> within(Future<Void> f, Duration deadline) {
    Promise<Boolean> p = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, deadline.toMillis()), id -> p.tryComplete(false));
    f.onComplete(r -> {
      vertx.cancelTimer(timer);
      p.tryComplete(true);
    });
    return p.future();
  }

  /** A JVM shutdown hook (SIGTERM, SIGINT) running {@link #shutdown} with the configured timeout and waiting for it. */
  public Thread shutdownHook() {
    Duration timeout = options.shutdownTimeout();
    return new Thread(() -> {
      try {
        shutdown(timeout).await(timeout.plus(ABORT_GRACE).plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.log(Level.WARNING, "graceful shutdown did not finish", e);
      }
    }, "ember-shutdown");
  }
}
