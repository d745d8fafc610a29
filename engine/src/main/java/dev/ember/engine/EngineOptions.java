package dev.ember.engine;

import dev.ember.kv.KvCacheOptions;
import dev.ember.sched.SchedulerOptions;

/**
 * Engine settings: scheduling limits and prefix caching. The KV pool's size and block size come from
 * the runner's {@link dev.ember.runner.KvCacheMemory}.
 *
 * @param hashSeed seed of the prefix-cache block hash chain (the same on every replica, never random)
 */
public record EngineOptions(SchedulerOptions scheduler, boolean enablePrefixCaching, String hashSeed) {
  public static final String ENABLE_PREFIX_CACHING_DOC = KvCacheOptions.ENABLE_PREFIX_CACHING_DOC;
  public static final String HASH_SEED_DOC = KvCacheOptions.HASH_SEED_DOC;

  public EngineOptions {
    if (scheduler == null) {
      throw new IllegalArgumentException("scheduler options are required");
    }
    if (hashSeed == null) {
      hashSeed = KvCacheOptions.DEFAULT_HASH_SEED;
    }
  }

  public static EngineOptions defaults(int maxModelLen) {
    return new EngineOptions(SchedulerOptions.defaults(maxModelLen), KvCacheOptions.DEFAULT_ENABLE_PREFIX_CACHING,
        KvCacheOptions.DEFAULT_HASH_SEED);
  }

  public EngineOptions withScheduler(SchedulerOptions s) {
    return new EngineOptions(s, enablePrefixCaching, hashSeed);
  }

  public EngineOptions withPrefixCaching(boolean enabled) {
    return new EngineOptions(scheduler, enabled, hashSeed);
  }
}
