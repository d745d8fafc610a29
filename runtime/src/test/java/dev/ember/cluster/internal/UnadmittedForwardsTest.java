package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.function.FunctionState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnadmittedForwardsTest {
  private static Candidate peer(String name, int queued) {
    return new Candidate(new EngineId(name, "f"), name, false, FunctionState.WARM, queued, 0, "127.0.0.1:1");
  }

  @Test
  void aRequestSentAndNotYetAdmittedAddsToThatPeersLoad() {
    UnadmittedForwards u = new UnadmittedForwards();
    u.add(new EngineId("b", "f"), 27);
    u.add(new EngineId("b", "f"), 3);
    List<Candidate> c = new ArrayList<>(List.of(peer("a", 5), peer("b", 10)));
    u.addTo(c);
    assertEquals(List.of(5, 40), c.stream().map(Candidate::queuedBlocks).toList());
  }

  @Test
  void onceThePeerAnsweredItsOwnFigureCarriesTheRequest() {
    UnadmittedForwards u = new UnadmittedForwards();
    Runnable first = u.add(new EngineId("b", "f"), 27);
    Runnable second = u.add(new EngineId("b", "f"), 3);
    first.run();
    first.run();
    assertEquals(3, u.of(new EngineId("b", "f")), "settling twice takes the request off once");
    second.run();
    List<Candidate> c = new ArrayList<>(List.of(peer("b", 10)));
    u.addTo(c);
    assertEquals(10, c.get(0).queuedBlocks());
  }

  @Test
  void theLocalEngineIsNeverAdjusted() {
    UnadmittedForwards u = new UnadmittedForwards();
    u.add(new EngineId("b", "f"), 27);
    Candidate local = new Candidate(new EngineId("b", "f"), "b", true, FunctionState.WARM, 0, 0, null);
    List<Candidate> c = new ArrayList<>(List.of(local));
    u.addTo(c);
    assertEquals(0, c.get(0).queuedBlocks());
  }
}
