package dev.ember.cluster.internal;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import dev.ember.cluster.ClusterOptions;

/**
 * Builds the Hazelcast member configuration of a replica from its {@link ClusterOptions}, in code:
 * multicast off, TCP/IP members or Kubernetes DNS discovery, JDK logging, the heartbeat and failure
 * detection times, and the structures Vert.x's cluster manager expects.
 *
 * <pre>{@code new HazelcastClusterManager(HazelcastConfigs.of(options)) }</pre>
 */
public final class HazelcastConfigs {
  private HazelcastConfigs() {}

  public static Config of(ClusterOptions o) {
    Config c = new Config();
    c.setClusterName(o.name());
    c.setProperty("hazelcast.logging.type", "jdk");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    // Vert.x leaves the cluster when it closes; Hazelcast's own hook would leave first and break that order.
    c.setProperty("hazelcast.shutdownhook.enabled", "false");
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    // Members that started at the same moment and formed separate clusters merge within seconds.
    c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    c.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(o.heartbeat().toSeconds()));
    c.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(o.failureDetection().toSeconds()));
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(o.port()).setPortAutoIncrement(false);
    if (o.host() != null) {
      c.setProperty("hazelcast.socket.bind.any", "false");
      net.getInterfaces().setEnabled(true).addInterface(o.host());
      net.setPublicAddress(o.host() + ":" + o.port());
    }
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (o.dns() != null) {
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", o.dns());
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(o.members());
    }
    // What Vert.x's default cluster configuration declares for its own bookkeeping.
    c.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    c.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    c.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    c.addMapConfig(new MapConfig(ReplicaDirectory.MAP).setBackupCount(1));
    return c;
  }
}
