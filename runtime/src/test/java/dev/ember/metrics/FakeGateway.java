package dev.ember.metrics;

import dev.ember.engine.EngineStats;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An in-process gateway whose functions' infos tests set directly (no endpoints). */
public final class FakeGateway implements FunctionGateway {
  private final Map<String, FunctionInfo> functions = new LinkedHashMap<>();

  /** Sets a function's state and engine stats (null while not loaded). */
  public synchronized FakeGateway put(String name, FunctionState state, EngineStats stats) {
    functions.put(name, new FunctionInfo(name, "/models/" + name, "cpu", state,
        state == FunctionState.FAILED ? "weights missing" : null, 4096, 0, stats));
    return this;
  }

  /** Engine stats with the fields metrics read; the rest zero. */
  public static EngineStats stats(int running, int waiting, double kvUsage, long prefixQueries, long prefixHits,
      long preemptions) {
    return new EngineStats(running, waiting, kvUsage, 0, prefixQueries, prefixHits, preemptions, 0, 0, 0, 0, 0, 0, 0,
        0);
  }

  @Override
  public Optional<FunctionEndpoint> function(String name) {
    return Optional.empty();
  }

  @Override
  public synchronized List<FunctionInfo> list() {
    return new ArrayList<>(functions.values());
  }
}
