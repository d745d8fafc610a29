package dev.ember.cluster;

import java.time.Duration;
import java.util.List;

/**
 * How a replica joins its cluster ({@code ember serve --cluster}): the fleet's name, where its
 * Hazelcast member listens, how it finds the others (a TCP/IP member list, or the DNS name of a
 * Kubernetes headless service; multicast is never used), how it routes, and how fast a dead member
 * is noticed.
 *
 * <pre>{@code ClusterOptions.defaults().withMembers(List.of("10.0.0.2:5701", "10.0.0.3:5701")).withReplicaName("a")}</pre>
 *
 * @param name {@value #NAME_DOC}
 * @param host {@value #HOST_DOC}
 * @param port {@value #PORT_DOC}
 * @param members {@value #MEMBERS_DOC}
 * @param dns {@value #DNS_DOC}
 * @param replicaName {@value #REPLICA_NAME_DOC}
 * @param routing {@value #ROUTING_DOC}
 * @param heartbeat {@value #HEARTBEAT_DOC}
 * @param failureDetection {@value #FAILURE_DETECTION_DOC}
 * @param cacheWeight {@value #CACHE_WEIGHT_DOC}
 */
public record ClusterOptions(String name, String host, int port, List<String> members, String dns,
    String replicaName, RoutingPolicy routing, Duration heartbeat, Duration failureDetection, double cacheWeight) {
  public static final String DEFAULT_NAME = "ember";
  public static final String NAME_DOC = "Cluster name; replicas only join a cluster of the same name.";
  public static final String HOST_DOC = "Address this member binds and announces (default: chosen by Hazelcast).";
  public static final int DEFAULT_PORT = 5701;
  public static final String PORT_DOC = "Hazelcast member port.";
  public static final String MEMBERS_DOC = "Other members to join, host:port,... (TCP/IP discovery).";
  public static final String DNS_DOC = "DNS name of a Kubernetes headless service to discover members with"
      + " (or EMBER_CLUSTER_DNS).";
  public static final String REPLICA_NAME_DOC = "Name of this replica in X-Ember-Replica and /cluster"
      + " (default: the member's host:port).";
  public static final RoutingPolicy DEFAULT_ROUTING = RoutingPolicy.CACHE_AWARE;
  public static final String ROUTING_DOC = "cache-aware, least-loaded or round-robin.";
  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
  public static final String HEARTBEAT_DOC = "Interval of Hazelcast member heartbeats.";
  public static final Duration DEFAULT_FAILURE_DETECTION = Duration.ofSeconds(10);
  public static final String FAILURE_DETECTION_DOC = "A member silent this long is removed, with its directory"
      + " entries and index blocks.";
  /**
   * Two blocks of queued work per prompt block a replica would recompute: the compute itself, and the
   * cached block it evicts once the KV cache is full, which a later request recomputes. Measured on the
   * 3-replica prefix workload (README): w = 1 left prompts on busy holders too rarely (hit rate 62%), 4 piled
   * them up (busiest replica 1.30x the mean), 2 kept 76% hits at 1.10x.
   */
  public static final double DEFAULT_CACHE_WEIGHT = 2.0;
  public static final String CACHE_WEIGHT_DOC = "w in the routing cost w * (promptBlocks - overlapBlocks) + queuedBlocks:"
      + " the blocks of queued work one cached prompt block is worth: its compute, and with full KV caches the cached"
      + " block a recompute evicts.";

  public ClusterOptions {
    members = members == null ? List.of() : List.copyOf(members);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("cluster name must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("cluster port must be in 1..65535, got " + port);
    }
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      if (m.isBlank() || (colon >= 0 && !m.substring(colon + 1).matches("\\d{1,5}"))) {
        throw new IllegalArgumentException("cluster member must be host or host:port, got '" + m + "'");
      }
    }
    if (dns != null && !members.isEmpty()) {
      throw new IllegalArgumentException("give either cluster members or a cluster DNS name, not both");
    }
    if (heartbeat.isNegative() || heartbeat.isZero() || heartbeat.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException("cluster heartbeat must be a positive whole number of seconds, got " + heartbeat);
    }
    if (failureDetection.toMillis() % 1000 != 0 || failureDetection.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("cluster failure detection must be whole seconds and at least two heartbeats ("
          + heartbeat.multipliedBy(2).toSeconds() + "s), got " + failureDetection);
    }
    if (!(cacheWeight >= 0) || Double.isInfinite(cacheWeight)) {
      throw new IllegalArgumentException("cache weight must be >= 0, got " + cacheWeight);
    }
    if (routing == null) {
      routing = DEFAULT_ROUTING;
    }
  }

  public static ClusterOptions defaults() {
    return new ClusterOptions(DEFAULT_NAME, null, DEFAULT_PORT, List.of(), null, null, DEFAULT_ROUTING,
        DEFAULT_HEARTBEAT, DEFAULT_FAILURE_DETECTION, DEFAULT_CACHE_WEIGHT);
  }

  public ClusterOptions withName(String n) {
    return new ClusterOptions(n, host, port, members, dns, replicaName, routing, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withHost(String h) {
    return new ClusterOptions(name, h, port, members, dns, replicaName, routing, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withPort(int p) {
    return new ClusterOptions(name, host, p, members, dns, replicaName, routing, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withMembers(List<String> m) {
    return new ClusterOptions(name, host, port, m, dns, replicaName, routing, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withDns(String d) {
    return new ClusterOptions(name, host, port, members, d, replicaName, routing, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withReplicaName(String r) {
    return new ClusterOptions(name, host, port, members, dns, r, routing, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withRouting(RoutingPolicy r) {
    return new ClusterOptions(name, host, port, members, dns, replicaName, r, heartbeat, failureDetection, cacheWeight);
  }

  public ClusterOptions withFailureDetection(Duration beat, Duration detect) {
    return new ClusterOptions(name, host, port, members, dns, replicaName, routing, beat, detect, cacheWeight);
  }
}
