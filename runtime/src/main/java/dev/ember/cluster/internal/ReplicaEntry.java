package dev.ember.cluster.internal;

import dev.ember.function.FunctionState;
import io.vertx.core.json.JsonObject;

/**
 * One function on one replica as the cluster sees it (a value of the replica directory): state, load,
 * the identity of its KV blocks, where peers forward requests to, and how far its KV event stream
 * has got.
 *
 * @param member Hazelcast member id of the replica
 * @param replica the replica's name (X-Ember-Replica)
 * @param activeBlocks KV blocks held by running requests
 * @param queuedBlocks blocks of work admitted and not yet computed, the router's load ({@link QueuedWork})
 * @param forward host:port of the replica's forwarding endpoint
 * @param kvEpoch id of the engine instance whose events the replica publishes (0 while none)
 * @param kvSequence the last KV event batch published for that engine (-1 before the first)
 * @param recentRequests requests admitted lately, decayed with a one-minute half-life ({@link QueuedWork})
 */
public record ReplicaEntry(String member, String replica, String function, FunctionState state, int running,
    int waiting, double kvUsage, int freeBlocks, int activeBlocks, int queuedBlocks, String device, String weightsKey,
    int blockSize, String hashScheme, String hashSeed, int maxModelLen, String forward, long kvEpoch, long kvSequence,
    int recentRequests) {

  /** The directory key: one entry per member and function. */
  public String key() {
    return key(member, function);
  }

  public static String key(String member, String function) {
    return member + "/" + function;
  }

  /** The engine this entry describes, as the prefix index names it. */
  public EngineId engine() {
    return new EngineId(member, function);
  }

  public JsonObject toJson() {
    return new JsonObject().put("member", member).put("replica", replica).put("function", function)
        .put("state", state.name()).put("running", running).put("waiting", waiting).put("kvUsage", kvUsage)
        .put("freeBlocks", freeBlocks).put("activeBlocks", activeBlocks)
        .put("queuedBlocks", queuedBlocks).put("device", device)
        .put("weightsKey", weightsKey).put("blockSize", blockSize).put("hashScheme", hashScheme)
        .put("hashSeed", hashSeed).put("maxModelLen", maxModelLen).put("forward", forward).put("kvEpoch", kvEpoch).put("kvSequence", kvSequence)
        .put("recentRequests", recentRequests);
  }

  public static ReplicaEntry fromJson(String text) {
    JsonObject j = new JsonObject(text);
    return new ReplicaEntry(j.getString("member"), j.getString("replica"), j.getString("function"),
        FunctionState.valueOf(j.getString("state")), j.getInteger("running"), j.getInteger("waiting"),
        j.getDouble("kvUsage"), j.getInteger("freeBlocks"), j.getInteger("activeBlocks"),
        j.getInteger("queuedBlocks", 0), j.getString("device"),
        j.getString("weightsKey"), j.getInteger("blockSize"), j.getString("hashScheme"), j.getString("hashSeed"),
        j.getInteger("maxModelLen"), j.getString("forward"), j.getLong("kvEpoch"), j.getLong("kvSequence"),
        j.getInteger("recentRequests", 0));
  }
}
