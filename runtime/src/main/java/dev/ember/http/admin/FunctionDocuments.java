package dev.ember.http.admin;

import dev.ember.engine.EngineStats;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionManifests;
import dev.ember.function.FunctionPool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's response documents, as ordered maps that serialize to JSON or YAML: a function's
 * info (state, reason, model, device, context length, live engine counters) and, for one function,
 * its manifest.
 *
 * <pre>{@code Map<String, Object> doc = FunctionDocuments.detail(info, manifest); }</pre>
 */
final class FunctionDocuments {
  private FunctionDocuments() {}

  static Map<String, Object> info(FunctionInfo f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", f.name());
    m.put("object", "function");
    m.put("state", f.state().name());
    m.put("reason", f.reason());
    m.put("model", f.model());
    m.put("device", f.device());
    m.put("maxModelLen", f.maxModelLen());
    m.put("created", f.createdEpochSeconds());
    m.put("stats", f.stats() == null ? null : stats(f.stats()));
    return m;
  }

  static Map<String, Object> list(List<FunctionInfo> functions) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("object", "list");
    m.put("data", functions.stream().map(FunctionDocuments::info).toList());
    return m;
  }

  static Map<String, Object> detail(FunctionInfo f, FunctionManifest manifest, List<FunctionPool.ContextInfo> contexts) {
    Map<String, Object> m = info(f);
    m.put("contexts", contexts.stream().map(FunctionDocuments::context).toList());
    m.put("manifest", FunctionManifests.toMap(manifest));
    return m;
  }

  /** One device context: its device, its own state, reason and load. */
  private static Map<String, Object> context(FunctionPool.ContextInfo c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("device", c.device());
    m.put("state", c.state().name());
    m.put("reason", c.reason());
    m.put("activeBlocks", c.activeBlocks());
    m.put("inFlight", c.inFlight());
    m.put("stats", c.stats() == null ? null : stats(c.stats()));
    return m;
  }

  private static Map<String, Object> stats(EngineStats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("running", s.running());
    m.put("waiting", s.waiting());
    m.put("kvCacheUsage", s.kvUsage());
    m.put("freeBlocks", s.freeBlocks());
    m.put("prefixCacheQueries", s.prefixCacheQueries());
    m.put("prefixCacheHits", s.prefixCacheHits());
    m.put("preemptions", s.preemptions());
    m.put("requestsFinished", s.requestsFinished());
    m.put("promptTokens", s.promptTokens());
    m.put("generationTokens", s.generationTokens());
    return m;
  }
}
