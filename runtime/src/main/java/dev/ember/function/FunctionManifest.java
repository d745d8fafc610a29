package dev.ember.function;

import dev.ember.device.DeviceSpec;
import dev.ember.device.WeightPlacement;
import dev.ember.model.DType;
import dev.ember.sched.SchedulerOptions;
import java.time.Duration;
import java.util.List;

/**
 * A function's declaration ({@code functions/*.yaml}): a model plus engine settings, request limits,
 * and the scaling, prewarm and Kafka sections that later features act on. Parsed and validated by
 * {@code FunctionManifests}; every section has defaults.
 *
 * <pre>{@code
 * name: r1-qwen-1.5b
 * model: {path: /models/DeepSeek-R1-Distill-Qwen-1.5B, dtype: q8_0}
 * device: cpu            # or cpu:0-7, numa:all, [numa:0, numa:1]: one engine per device context
 * weights: shared        # or replicate-per-node: each pinned context copies the weights to its node
 * engine: {maxModelLen: 8192, kvCacheMemory: 2GiB, threads: 8}
 * }</pre>
 */
public record FunctionManifest(
    String name,
    ModelSpec model,
    String device,
    EngineSettings engine,
    Limits limits,
    Scaling scaling,
    Prewarm prewarm,
    Kafka kafka,
    WeightPlacement weights) {

  public FunctionManifest {
    weights = weights == null ? WeightPlacement.DEFAULT : weights;
  }

  /** With the default weight placement ({@link WeightPlacement#SHARED}). */
  public FunctionManifest(String name, ModelSpec model, String device, EngineSettings engine, Limits limits,
      Scaling scaling, Prewarm prewarm, Kafka kafka) {
    this(name, model, device, engine, limits, scaling, prewarm, kafka, WeightPlacement.DEFAULT);
  }

  /** Default device: the CPU. */
  public static final String DEFAULT_DEVICE = "cpu";
  public static final String DEVICE_DOC = "Device contexts, one engine each: " + DeviceSpec.SYNTAX
      + "; a comma list or a YAML list gives several.";

  /** The device specs of {@link #device()} (a canonical comma list, validated with the manifest). */
  public List<DeviceSpec> devices() {
    return DeviceSpec.parseList(device);
  }

  /**
   * Where the weights are and how to load them.
   *
   * @param path HF model directory or .gguf file; the literal {@code embedded:demo} names the demo model
   * @param dtype matrix type after loading, or null to keep the file's
   * @param declaredPath the path as written in the manifest, before {@code ${VAR}} expansion: what the
   *     admin API shows, so values resolved from the server's environment are never echoed
   */
  public record ModelSpec(String path, DType dtype, String declaredPath) {
    public static final String EMBEDDED_DEMO = "embedded:demo";

    public ModelSpec {
      declaredPath = declaredPath == null ? path : declaredPath;
    }

    /** A path used as written (no variable references). */
    public ModelSpec(String path, DType dtype) {
      this(path, dtype, path);
    }
  }

  /** Engine settings (vLLM's names). */
  public record EngineSettings(int maxModelLen, int maxNumSeqs, int maxNumBatchedTokens, int blockSize,
      long kvCacheMemory, int threads, boolean enablePrefixCaching, String hashSeed, int longPrefillTokenThreshold) {
    public static final int DEFAULT_MAX_MODEL_LEN = 4096;
    public static final String MAX_MODEL_LEN_DOC = "Context length in tokens (prompt + output); at most the model's.";
    public static final int DEFAULT_MAX_NUM_SEQS = 64;
    public static final String MAX_NUM_SEQS_DOC = "Most sequences in one engine step.";
    public static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 2048;
    public static final String MAX_NUM_BATCHED_TOKENS_DOC = "Token budget of one engine step.";
    public static final int DEFAULT_BLOCK_SIZE = 16;
    public static final String BLOCK_SIZE_DOC = "KV cache block size in tokens (16 on CPU/CUDA, 128 on Ascend).";
    public static final long DEFAULT_KV_CACHE_MEMORY = 512L << 20;
    public static final String KV_CACHE_MEMORY_DOC = "Bytes for the paged KV cache (e.g. 512MiB, 2GiB).";
    public static final int DEFAULT_THREADS = 0;
    public static final String THREADS_DOC = "Kernel threads; 0 = all cores.";
    public static final boolean DEFAULT_ENABLE_PREFIX_CACHING = true;
    public static final String ENABLE_PREFIX_CACHING_DOC = "Reuse KV blocks of shared prompt prefixes.";
    public static final String DEFAULT_HASH_SEED = dev.ember.kv.KvCacheOptions.DEFAULT_HASH_SEED;
    public static final String HASH_SEED_DOC = "Seed of the prefix-cache block hashes; every replica of a function"
        + " in a cluster must use the same one.";
    public static final int DEFAULT_LONG_PREFILL_TOKEN_THRESHOLD = SchedulerOptions.DEFAULT_LONG_PREFILL_TOKEN_THRESHOLD;
    public static final String LONG_PREFILL_TOKEN_THRESHOLD_DOC = SchedulerOptions.LONG_PREFILL_TOKEN_THRESHOLD_DOC;

    public EngineSettings {
      if (hashSeed == null || hashSeed.isEmpty()) {
        hashSeed = DEFAULT_HASH_SEED;
      }
    }

    /** With the default hash seed and no long-prefill cap. */
    public EngineSettings(int maxModelLen, int maxNumSeqs, int maxNumBatchedTokens, int blockSize, long kvCacheMemory,
        int threads, boolean enablePrefixCaching) {
      this(maxModelLen, maxNumSeqs, maxNumBatchedTokens, blockSize, kvCacheMemory, threads, enablePrefixCaching,
          DEFAULT_HASH_SEED, DEFAULT_LONG_PREFILL_TOKEN_THRESHOLD);
    }

    public static EngineSettings defaults() {
      return new EngineSettings(DEFAULT_MAX_MODEL_LEN, DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS,
          DEFAULT_BLOCK_SIZE, DEFAULT_KV_CACHE_MEMORY, DEFAULT_THREADS, DEFAULT_ENABLE_PREFIX_CACHING);
    }
  }

  /** Request limits. */
  public record Limits(int maxQueue, int maxTokens) {
    public static final int DEFAULT_MAX_QUEUE = 256;
    public static final String MAX_QUEUE_DOC = "Requests waiting or running before new ones get 429.";
    public static final int DEFAULT_MAX_TOKENS = 4096;
    public static final String MAX_TOKENS_DOC = "Largest max_tokens a request may ask for.";

    public static Limits defaults() {
      return new Limits(DEFAULT_MAX_QUEUE, DEFAULT_MAX_TOKENS);
    }
  }

  /**
   * Scale-to-zero policy. {@code minWarm} counts device contexts per function; {@code maxContexts} caps the
   * contexts warm at once ({@link #ALL_CONTEXTS}: every context of {@code device}).
   */
  public record Scaling(int minWarm, Duration idleTimeout, int maxHeldRequests, Duration maxHoldTime,
      int maxContexts) {
    public static final int DEFAULT_MIN_WARM = 1;
    public static final int ALL_CONTEXTS = 0;
    public static final String MAX_CONTEXTS_DOC = "Most device contexts warm at once; 0 = all of them.";
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_HELD_REQUESTS = 100;
    public static final Duration DEFAULT_MAX_HOLD_TIME = Duration.ofSeconds(60);

    /** With every context allowed warm. */
    public Scaling(int minWarm, Duration idleTimeout, int maxHeldRequests, Duration maxHoldTime) {
      this(minWarm, idleTimeout, maxHeldRequests, maxHoldTime, ALL_CONTEXTS);
    }

    public static Scaling defaults() {
      return new Scaling(DEFAULT_MIN_WARM, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_HELD_REQUESTS, DEFAULT_MAX_HOLD_TIME);
    }

    /** The contexts that may be warm at once out of {@code contexts}. */
    public int maxContexts(int contexts) {
      return maxContexts == ALL_CONTEXTS ? contexts : Math.min(maxContexts, contexts);
    }
  }

  /** Prewarm hooks (acted on by the lifecycle; parsed and validated now). */
  public record Prewarm(boolean onStart, List<String> schedule, String zone, List<String> prompts,
      List<String> pinnedPrefixes, Duration keepWarmFor) {
    public static Prewarm defaults() {
      return new Prewarm(true, List.of(), "UTC", List.of(), List.of(), Duration.ZERO);
    }
  }

  /**
   * The function's Kafka door: whether it is served over Kafka, its request topic, consumer group and the
   * most requests the door runs at once (the rest wait in a bounded prefetch, then the partitions pause).
   *
   * @param requestTopic default {@code ember.<function>.requests}
   * @param group default {@code ember.<function>}
   */
  public record Kafka(boolean enabled, String requestTopic, String group, int concurrency) {
    public static Kafka defaults(String function) {
      return new Kafka(false, "ember." + function + ".requests", "ember." + function, 16);
    }
  }

  /** A manifest for a model path with every other setting at its default. */
  public static FunctionManifest of(String name, String modelPath, DType dtype) {
    return new FunctionManifest(name, new ModelSpec(modelPath, dtype), DEFAULT_DEVICE, EngineSettings.defaults(),
        Limits.defaults(), Scaling.defaults(), Prewarm.defaults(), Kafka.defaults(name));
  }

  public FunctionManifest withEngine(EngineSettings e) {
    return new FunctionManifest(name, model, device, e, limits, scaling, prewarm, kafka, weights);
  }

  public FunctionManifest withModel(ModelSpec m) {
    return new FunctionManifest(name, m, device, engine, limits, scaling, prewarm, kafka, weights);
  }

  /** The same function on other devices (one context's manifest, or a CLI override). */
  public FunctionManifest withDevice(String d) {
    return new FunctionManifest(name, model, d, engine, limits, scaling, prewarm, kafka, weights);
  }

  /** The same function with its contexts' weights shared or replicated per node. */
  public FunctionManifest withWeights(WeightPlacement w) {
    return new FunctionManifest(name, model, device, engine, limits, scaling, prewarm, kafka, w);
  }

  public FunctionManifest withScaling(Scaling s) {
    return new FunctionManifest(name, model, device, engine, limits, s, prewarm, kafka, weights);
  }

  public FunctionManifest withLimits(Limits l) {
    return new FunctionManifest(name, model, device, engine, l, scaling, prewarm, kafka, weights);
  }
}
