package dev.ember.cluster;

import com.hazelcast.core.HazelcastInstance;
import dev.ember.cluster.internal.ClusterGateway;
import dev.ember.cluster.internal.ClusterRoutes;
import dev.ember.cluster.internal.ForwardServer;
import dev.ember.cluster.internal.HazelcastConfigs;
import dev.ember.cluster.internal.KvEventFollower;
import dev.ember.cluster.internal.LocalEngines;
import dev.ember.cluster.internal.PrefixIndex;
import dev.ember.cluster.internal.QueuedWork;
import dev.ember.cluster.internal.ReplicaDirectory;
import dev.ember.cluster.internal.RouterMetrics;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionRegistry;
import dev.ember.http.RouteContributor;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.List;
import java.util.logging.Logger;

/**
 * A replica's membership in its Ember cluster: the Hazelcast member (under Vert.x's cluster manager),
 * the replica directory, the prefix index fed by every engine's KV events, the forwarding endpoint, and
 * the routing gateway the doors use instead of the local registry.
 *
 * <pre>{@code
 * HazelcastClusterManager manager = ClusterNode.manager(options);
 * Vertx vertx = Vertx.builder().withClusterManager(manager).buildClustered().await();
 * ClusterNode node = ClusterNode.join(vertx, manager, registry, manifests, options, meters).await();
 * EmberHttpServer.start(vertx, node.gateway(), http, List.of(node.routes()));
 * }</pre>
 */
public final class ClusterNode {
  private static final Logger LOG = Logger.getLogger(ClusterNode.class.getName());
  /** How often this replica's directory entries (state, load) are refreshed. */
  public static final long REFRESH_MILLIS = 200;

  private final Vertx vertx;
  private final ClusterGateway gateway;
  private final ForwardServer forward;
  private final ClusterOptions options;
  private final String replicaName;
  private long timer = -1;

  private ClusterNode(Vertx vertx, ClusterGateway gateway, ForwardServer forward, ClusterOptions options,
      String replicaName) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.forward = forward;
    this.options = options;
    this.replicaName = replicaName;
  }

  /** Vert.x options of a clustered replica: the event bus listens on the cluster address. */
  public static VertxOptions vertxOptions(ClusterOptions options) {
    VertxOptions o = new VertxOptions();
    if (options.host() != null) {
      o.getEventBusOptions().setHost(options.host()).setClusterPublicHost(options.host());
    }
    return o;
  }

  /** The cluster manager to build the clustered Vert.x with. */
  public static HazelcastClusterManager manager(ClusterOptions options) {
    return new HazelcastClusterManager(HazelcastConfigs.of(options));
  }

  /**
   * Joins with the replica's functions (before they are deployed): opens the directory, refuses a
   * function whose hash seed or block size differs from a peer's, starts following the peers' KV events
   * and the forwarding endpoint, and makes the registry report its engines' events. Then call
   * {@link #announce()} once the functions are deployed.
   */
  public static Future<ClusterNode> join(Vertx vertx, HazelcastClusterManager manager, FunctionRegistry registry,
      List<FunctionManifest> functions, ClusterOptions options, MeterRegistry meters) {
    HazelcastInstance hz = manager.getHazelcastInstance();
    String self = hz.getCluster().getLocalMember().getUuid().toString();
    String host = host(hz, options);
    String name = replicaName(manager, options);
    Context context = ((VertxInternal) vertx).createEventLoopContext();
    PrefixIndex index = new PrefixIndex();
    LocalEngines engines = new LocalEngines(vertx.eventBus(), self, index);
    QueuedWork work = new QueuedWork(index, self);
    return ReplicaDirectory.open(vertx, hz).compose(directory -> KvEventFollower.start(vertx, context, self, index)
        .compose(follower -> follower.catchUp(directory.entries()).map(follower))
        .compose(follower -> ForwardServer.start(vertx, registry, work, host).map(forward -> {
          RouterMetrics metrics = new RouterMetrics(meters, index::blocks, follower::lagMillis);
          ClusterGateway gateway = new ClusterGateway(vertx, registry, directory, index, engines, work, follower,
              metrics, options, name, forward.address());
          for (FunctionManifest m : functions) {
            String why = gateway.incompatibility(m);
            if (why != null) {
              forward.close();
              throw new IllegalStateException("refused to join cluster '" + options.name() + "': " + why);
            }
          }
          engines.serveSnapshots();
          registry.observeEngines(engines);
          LOG.info(() -> "joined cluster " + options.name() + " as " + name + " (member " + self + ", "
              + directory.members().size() + " member(s), routing " + options.routing().flag() + ", forwarding at "
              + forward.address() + ")");
          return new ClusterNode(vertx, gateway, forward, options, name);
        })));
  }

  /** The replica's name: {@code --replica-name}, else its member's host:port. */
  public static String replicaName(HazelcastClusterManager manager, ClusterOptions options) {
    HazelcastInstance hz = manager.getHazelcastInstance();
    return options.replicaName() != null ? options.replicaName()
        : host(hz, options) + ":" + hz.getCluster().getLocalMember().getAddress().getPort();
  }

  /** The host peers reach this replica at. */
  private static String host(HazelcastInstance hz, ClusterOptions options) {
    return options.host() != null ? options.host() : hz.getCluster().getLocalMember().getAddress().getHost();
  }

  /** Starts publishing this replica's directory entries (call once its functions are deployed). */
  public void announce() {
    gateway.refresh();
    timer = vertx.setPeriodic(REFRESH_MILLIS, id -> gateway.refresh());
  }

  /** The routing gateway: hand it to the HTTP server and the Kafka door. */
  public FunctionGateway gateway() {
    return gateway;
  }

  /** {@code GET /cluster}. */
  public RouteContributor routes() {
    return new ClusterRoutes(gateway, options, replicaName);
  }

  public String replicaName() {
    return replicaName;
  }

  /**
   * Stops routing here: peers see DRAINING, then the entries go. Requests peers already forwarded here
   * keep running ({@link #drained()}); the forwarding endpoint closes with Vert.x.
   */
  public Future<Void> leave() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    return gateway.leave();
  }

  /** Completes when no request forwarded here by a peer is still being answered. */
  public Future<Void> drained() {
    return forward.drained();
  }
}
