package dev.ember.cluster.internal;

import dev.ember.cluster.ClusterOptions;
import dev.ember.http.RouteContributor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /cluster}: this replica's view of its cluster: the members with the number of their KV
 * blocks in the local prefix index, and per function every replica's entry (state, load, KV identity).
 */
public final class ClusterRoutes implements RouteContributor {
  private final ClusterGateway gateway;
  private final ClusterOptions options;
  private final String replica;

  public ClusterRoutes(ClusterGateway gateway, ClusterOptions options, String replica) {
    this.gateway = gateway;
    this.options = options;
    this.replica = replica;
  }

  @Override
  public void mount(Router router) {
    router.get("/cluster").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
        .end(document().encodePrettily()));
  }

  @Override
  public boolean requiresApiKey() {
    return true;
  }

  JsonObject document() {
    ReplicaDirectory d = gateway.directory();
    PrefixIndex index = gateway.index();
    Map<String, String> names = new TreeMap<>();
    Map<String, JsonArray> functions = new TreeMap<>();
    for (ReplicaEntry e : d.entries()) {
      names.put(e.member(), e.replica());
      functions.computeIfAbsent(e.function(), f -> new JsonArray())
          .add(e.toJson().put("indexBlocks", index.size(e.engine())));
    }
    JsonArray members = new JsonArray();
    for (String m : d.members()) {
      members.add(new JsonObject().put("member", m).put("replica", names.get(m)).put("self", m.equals(d.self()))
          .put("indexBlocks", index.blocks(m)));
    }
    JsonObject indexed = new JsonObject();
    index.blocksPerMember().forEach(indexed::put);
    JsonObject fs = new JsonObject();
    functions.forEach(fs::put);
    return new JsonObject().put("cluster", options.name()).put("replica", replica).put("member", d.self())
        .put("routing", gateway.router().policy().flag()).put("members", members).put("functions", fs).put("indexBlocks", indexed)
        .put("snapshots", gateway.follower().snapshots());
  }
}
