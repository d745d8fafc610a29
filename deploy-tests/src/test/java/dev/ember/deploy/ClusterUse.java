package dev.ember.deploy;

import java.util.List;

/**
 * What deploy/ and k8s/ use from the cluster ({@code ember serve --cluster ...}): the deploy tests check these
 * against the real program like everything else, and a check that meets one the program lacks names it.
 */
final class ClusterUse {
  /** Serve options the compose file and the StatefulSet pass (EMBER_CLUSTER_DNS is --cluster-dns's variable). */
  static final List<String> OPTIONS = List.of("--cluster", "--cluster-members", "--cluster-port", "--cluster-dns",
      "--cluster-name");

  /** Metrics of the router that the Grafana dashboard plots; exported only once requests are routed in a cluster. */
  static final List<String> METRICS = List.of("ember_router_decisions_total");

  private ClusterUse() {}
}
