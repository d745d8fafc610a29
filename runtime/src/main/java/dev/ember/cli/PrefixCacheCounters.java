package dev.ember.cli;

/**
 * A server's prefix cache counters for one model, read from its Prometheus {@code /metrics} text:
 * {@code vllm:prefix_cache_queries} and {@code vllm:prefix_cache_hits} (in tokens, as vLLM counts them),
 * so that a benchmark can report the hit rate of its own run from two scrapes.
 *
 * <pre>{@code double rate = PrefixCacheCounters.parse(after, "demo").minus(PrefixCacheCounters.parse(before, "demo")).hitRate(); }</pre>
 */
record PrefixCacheCounters(double queries, double hits) {
  static final PrefixCacheCounters ZERO = new PrefixCacheCounters(0, 0);
  private static final String QUERIES = "vllm:prefix_cache_queries";
  private static final String HITS = "vllm:prefix_cache_hits";

  /** Sums the counters' samples labelled {@code model_name="model"} (or unlabelled) in exposition {@code text}. */
  static PrefixCacheCounters parse(String text, String model) {
    double queries = 0;
    double hits = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !forModel(line, model)) {
        continue;
      }
      if (sample(line, QUERIES)) {
        queries += value(line);
      } else if (sample(line, HITS)) {
        hits += value(line);
      }
    }
    return new PrefixCacheCounters(queries, hits);
  }

  PrefixCacheCounters plus(PrefixCacheCounters o) {
    return new PrefixCacheCounters(queries + o.queries, hits + o.hits);
  }

  PrefixCacheCounters minus(PrefixCacheCounters o) {
    return new PrefixCacheCounters(queries - o.queries, hits - o.hits);
  }

  /** Hits over queries, or NaN with no queries. */
  double hitRate() {
    return queries > 0 ? hits / queries : Double.NaN;
  }

  /** A sample of the counter (the family name, optionally with _total, then labels or a space). */
  private static boolean sample(String line, String family) {
    if (!line.startsWith(family)) {
      return false;
    }
    String rest = line.substring(family.length());
    if (rest.startsWith("_total")) {
      rest = rest.substring("_total".length());
    }
    return rest.startsWith("{") || rest.startsWith(" ");
  }

  private static boolean forModel(String line, String model) {
    int open = line.indexOf('{');
    return open < 0 || !line.contains("model_name=") || line.contains("model_name=\"" + model + "\"");
  }

  private static double value(String line) {
    int close = line.lastIndexOf('}');
    String rest = close >= 0 ? line.substring(close + 1) : line.substring(line.indexOf(' '));
    String[] parts = rest.trim().split("\\s+");
    return Double.parseDouble(parts[0]);
  }
}
