package dev.ember.engine;

import dev.ember.kv.KvCacheManager;
import dev.ember.sched.Scheduler;

/**
 * An engine's counters: written only by its step thread, read by any thread through {@link #snapshot()}
 * (volatile fields; the scheduler and KV figures are copied here once per step, so readers never touch
 * the step thread's structures).
 */
final class EngineCounters {
  volatile long steps;
  volatile long submitted;
  volatile long finished;
  volatile long promptTokens;
  volatile long generationTokens;
  volatile long scheduleNanos;
  volatile long forwardNanos;
  volatile long sampleNanos;
  private volatile int running;
  private volatile int waiting;
  private volatile double kvUsage;
  private volatile int freeBlocks;
  private volatile long prefixQueries;
  private volatile long prefixHits;
  private volatile long preemptions;

  /** One step's time split. */
  void step(long schedule, long forward, long sample) {
    steps++;
    scheduleNanos += schedule;
    forwardNanos += forward;
    sampleNanos += sample;
  }

  /** Copies the scheduler's and KV cache's figures (on the step thread). */
  void publish(Scheduler scheduler, KvCacheManager kv) {
    running = scheduler.numRunning();
    waiting = scheduler.numWaiting();
    kvUsage = kv.usage();
    freeBlocks = kv.numFreeBlocks();
    prefixQueries = kv.prefixCacheQueries();
    prefixHits = kv.prefixCacheHits();
    preemptions = scheduler.preemptions();
  }

  /** Sequences running or waiting as of the last step. */
  int active() {
    return running + waiting;
  }

  EngineStats snapshot() {
    return new EngineStats(running, waiting, kvUsage, freeBlocks, prefixQueries, prefixHits, preemptions, steps,
        submitted, finished, promptTokens, generationTokens, scheduleNanos, forwardNanos, sampleNanos);
  }
}
