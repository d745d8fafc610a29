package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.function.FunctionState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class ReplicaEntryTest {
  private static final ReplicaEntry ENTRY = new ReplicaEntry("m-1", "a", "demo", FunctionState.WARM, 2, 1, 0.25, 300,
      40, 57, "cpu", "sha256:w", 16, "sha256-cbor", "ember", 2048, "127.0.0.1:7001", 9, 41, 23);

  @Test
  void anEntryReadsBackAsWrittenWithItsLoadAndRecentRequests() {
    ReplicaEntry back = ReplicaEntry.fromJson(ENTRY.toJson().encode());
    assertEquals(ENTRY, back);
    assertEquals(23, back.recentRequests());
  }

  @Test
  void anEntryFromAReplicaThatPublishesNoRecentRequestsCountsNone() {
    JsonObject older = ENTRY.toJson();
    older.remove("recentRequests");
    assertEquals(0, ReplicaEntry.fromJson(older.encode()).recentRequests());
  }
}
