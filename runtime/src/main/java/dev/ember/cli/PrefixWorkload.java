package dev.ember.cli;

import java.util.SplittableRandom;
import picocli.CommandLine.Option;

/**
 * The multi-tenant prefix workload of {@code bench serve}: {@code --prefixes} shared system prompts of
 * about {@code --prefix-len} tokens each, one drawn per request from a Zipf distribution (exponent
 * {@code --prefix-zipf}; prefix k has weight 1/k^s), followed by the request's own unique suffix of
 * {@code --prompt-len} tokens. Every draw depends only on the seed and the request index, so a run is
 * reproducible whatever the concurrency. Off when {@code --prefixes} is 0.
 *
 * <p>Routing on the prefix cache only pays where the fleet's caches together hold more distinct prefixes
 * than one replica's does: when every replica can hold every prefix, round-robin ends up with every
 * prefix everywhere too, and both policies differ only in warm-up misses. So a cluster comparison sizes
 * the prefixes (count x length) above one replica's KV cache ({@code ember serve --kv-cache-memory}) and
 * below the fleet's, and sends several times more requests than prefixes (see the README's figures).
 *
 * <pre>{@code @Mixin PrefixWorkload prefixes; ... int k = prefixes.draw(seed, i); String system = PrefixWorkload.prefix(seed, k, words); }</pre>
 */
final class PrefixWorkload {
  /** Default number of shared prefixes: none, every prompt is unique. */
  static final int DEFAULT_PREFIXES = 0;
  /** Default prefix length in tokens. */
  static final int DEFAULT_PREFIX_LEN = 512;
  /** Default Zipf exponent of the prefix draw. */
  static final double DEFAULT_ZIPF = 1.0;
  private static final long PREFIX_SALT = 0x5DEECE66DL;
  private static final long DRAW_SALT = 0x9E3779B97F4A7C15L;

  @Option(names = "--prefixes", defaultValue = "" + DEFAULT_PREFIXES,
      description = "Shared system prompts drawn Zipf-distributed over the requests; 0: none (default ${DEFAULT-VALUE})."
          + " To compare cluster routing, use more than one replica's KV cache holds (--prefix-len x --prefixes"
          + " over serve --kv-cache-memory) and less than the fleet's.")
  int prefixes = DEFAULT_PREFIXES;

  @Option(names = "--prefix-len", defaultValue = "" + DEFAULT_PREFIX_LEN,
      description = "Tokens per shared prefix, approximately (default ${DEFAULT-VALUE}).")
  int prefixLen = DEFAULT_PREFIX_LEN;

  @Option(names = "--prefix-zipf", defaultValue = "" + DEFAULT_ZIPF,
      description = "Zipf exponent of the prefix draw; 0 is uniform (default ${DEFAULT-VALUE}).")
  double zipf = DEFAULT_ZIPF;

  private double[] cumulative;

  boolean enabled() {
    return prefixes > 0;
  }

  void validate() {
    if (prefixes < 0) {
      throw new IllegalArgumentException("--prefixes must be >= 0, got " + prefixes);
    }
    if (enabled() && prefixLen < 1) {
      throw new IllegalArgumentException("--prefix-len must be >= 1, got " + prefixLen);
    }
    if (!(zipf >= 0) || Double.isInfinite(zipf)) {
      throw new IllegalArgumentException("--prefix-zipf must be a finite number >= 0, got " + zipf);
    }
  }

  /** The index (0 = most popular) of the prefix request {@code i} uses. */
  int draw(long seed, int i) {
    double[] c = cumulative();
    double u = new SplittableRandom((seed ^ DRAW_SALT) + i).nextDouble() * c[c.length - 1];
    int lo = 0;
    int hi = c.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (c[mid] > u) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Prefix {@code k}'s text of {@code words} words. */
  static String prefix(long seed, int k, int words) {
    return BenchPrompts.words(new SplittableRandom((seed ^ PREFIX_SALT) + k), words);
  }

  /** Request {@code i}'s unique suffix of about {@code words} words: it starts with the request's number. */
  static String suffix(long seed, int i, int words) {
    return "request " + i + ": " + BenchPrompts.request(seed, i, words);
  }

  /** A line saying what the workload adds. */
  String describe(int prefixWords) {
    return String.format("%d shared prefixes of ~%d tokens (%d words), Zipf exponent %s", prefixes, prefixLen,
        prefixWords, zipf);
  }

  private synchronized double[] cumulative() {
    if (cumulative == null) {
      double[] c = new double[prefixes];
      double sum = 0;
      for (int k = 0; k < prefixes; k++) {
        sum += 1.0 / Math.pow(k + 1, zipf);
        c[k] = sum;
      }
      cumulative = c;
    }
    return cumulative;
  }
}
