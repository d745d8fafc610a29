package dev.ember.sched;

import dev.ember.kv.KvCacheManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Continuous batching with one token budget per step, in vLLM v1's manner: running sequences first
 * (decodes, then unfinished prefill chunks), then waiting ones in policy order, each prefill chunked to
 * what the budget leaves and to {@link SchedulerOptions#longPrefillTokenThreshold()} when set, so that a
 * short prompt queued behind a long one joins the long one's next step instead of waiting for all of it
 * (one long prompt is admitted part way at a time; shorter ones may pass a long one that waits for that).
 * When the KV pool runs out, the newest (or lowest-priority) running sequence is preempted by recompute: its blocks are freed (they stay hashed, so its recompute mostly hits the
 * prefix cache) and it goes back to the front of the waiting queue.
 *
 * <pre>{@code
 * scheduler.add(seq);
 * ScheduledBatch b = scheduler.schedule();  // fill the step from b, run it, sample
 * scheduler.commit(b);                      // K/V of the scheduled tokens are now in the cache
 * }</pre>
 * Not thread-safe: it lives on the engine's step thread.
 */
public final class Scheduler {
  /**
   * Long prompts (above the long-prefill cap) admitted part way at once, vLLM's default
   * {@code max_long_partial_prefills}: a second one waits for the first's last chunk, so long prompts keep
   * their arrival order instead of sharing every step, while shorter ones still join.
   */
  static final int MAX_LONG_PARTIAL_PREFILLS = 1;
  private final SchedulerOptions options;
  private final KvCacheManager kv;
  private final PriorityQueue<Sequence> waiting;
  private final Comparator<Sequence> order;
  private final List<Sequence> running = new ArrayList<>();
  private final ScheduledBatch batch = new ScheduledBatch();
  /** Long prompts passed over in the current schedule(), back to the waiting queue at its end. */
  private final List<Sequence> deferred = new ArrayList<>();
  private long preemptions;
  private Sequence unschedulable;

  public Scheduler(SchedulerOptions options, KvCacheManager kv) {
    this.options = options;
    this.kv = kv;
    Comparator<Sequence> byArrival = Comparator.comparingLong(Sequence::arrival);
    this.order = options.policy() == SchedulerOptions.Policy.PRIORITY
        ? Comparator.comparingInt(Sequence::priority).thenComparing(byArrival)
        : byArrival;
    this.waiting = new PriorityQueue<>(order);
  }

  /** Queues a new sequence. */
  public void add(Sequence s) {
    if (s.kv().numTokens() > options.maxModelLen()) {
      throw new IllegalArgumentException("sequence of " + s.kv().numTokens() + " tokens exceeds maxModelLen "
          + options.maxModelLen());
    }
    s.status = Sequence.Status.WAITING;
    waiting.add(s);
  }

  /** Decides the next step. The returned batch is reused by the next call. */
  public ScheduledBatch schedule() {
    batch.clear();
    unschedulable = null;
    int budget = options.maxNumBatchedTokens();
    boolean preempted = false;
    for (int pass = 0; pass < 2 && budget > 0; pass++) {
      for (int i = 0; i < running.size() && budget > 0 && batch.size() < options.maxNumSeqs(); i++) {
        Sequence s = running.get(i);
        int remaining = s.kv().numTokens() - s.kv().numComputedTokens();
        if (remaining <= 0 || (pass == 0) != (remaining == 1) || scheduled(s)) {
          continue;
        }
        int n = Math.min(remaining, Math.min(budget, options.chunkLimit()));
        while (!kv.allocate(s.kv(), n)) {
          Sequence victim = victim();
          preempt(victim);
          preempted = true;
          if (victim == s) {
            n = 0;
            break;
          }
        }
        if (n > 0) {
          batch.add(s, n);
          budget -= n;
        }
        i = running.indexOf(s);
      }
    }
    int longSlots = options.longPrefillTokenThreshold() > 0 ? MAX_LONG_PARTIAL_PREFILLS - longPrefillsRunning()
        : Integer.MAX_VALUE;
    while (!preempted && budget > 0 && running.size() < options.maxNumSeqs() && !waiting.isEmpty()) {
      Sequence s = waiting.peek();
      if (s.kv().numBlocks() == 0) {
        kv.lookupPrefix(s.kv());
      }
      int remaining = s.kv().numTokens() - s.kv().numComputedTokens();
      boolean isLong = isLong(remaining);
      if (isLong && longSlots <= 0) {
        // another long prompt is part way through: shorter ones behind this one go first
        waiting.poll();
        deferred.add(s);
        continue;
      }
      int n = Math.min(remaining, Math.min(budget, options.chunkLimit()));
      if (!kv.allocate(s.kv(), n)) {
        if (running.isEmpty()) {
          unschedulable = s;
        }
        break;
      }
      waiting.poll();
      s.status = Sequence.Status.RUNNING;
      running.add(s);
      batch.add(s, n);
      budget -= n;
      if (isLong) {
        longSlots--;
      }
    }
    if (!deferred.isEmpty()) {
      waiting.addAll(deferred);
      deferred.clear();
    }
    return batch;
  }

  /** True for a prompt remainder that the long-prefill cap splits over several steps. */
  private boolean isLong(int remainingTokens) {
    int threshold = options.longPrefillTokenThreshold();
    return threshold > 0 && remainingTokens > threshold;
  }

  /** Running sequences part way through a prompt that needs more than one more capped step. */
  private int longPrefillsRunning() {
    int n = 0;
    for (Sequence s : running) {
      if (isLong(s.kv().numTokens() - s.kv().numComputedTokens())) {
        n++;
      }
    }
    return n;
  }

  private boolean scheduled(Sequence s) {
    for (int i = 0; i < batch.size(); i++) {
      if (batch.sequence(i) == s) {
        return true;
      }
    }
    return false;
  }

  /** The running sequence to preempt: the last in policy order that is not yet scheduled, else the last. */
  private Sequence victim() {
    Sequence worst = null;
    for (Sequence s : running) {
      if (!scheduled(s) && (worst == null || order.compare(s, worst) > 0)) {
        worst = s;
      }
    }
    return worst != null ? worst : running.get(running.size() - 1);
  }

  private void preempt(Sequence s) {
    kv.free(s.kv());
    running.remove(s);
    s.preemptions++;
    preemptions++;
    s.status = Sequence.Status.WAITING;
    waiting.add(s);
  }

  /** Records that the step ran: the scheduled tokens' K/V are in the cache (full blocks get cached). */
  public void commit(ScheduledBatch b) {
    for (int i = 0; i < b.size(); i++) {
      kv.commitComputed(b.sequence(i).kv(), b.numNewTokens(i));
    }
  }

  /** Removes a sequence (finished, aborted or failed), freeing its blocks. */
  public void finish(Sequence s) {
    if (s.status == Sequence.Status.FINISHED) {
      return;
    }
    if (s.status == Sequence.Status.RUNNING) {
      running.remove(s);
    } else {
      waiting.remove(s);
    }
    kv.free(s.kv());
    s.status = Sequence.Status.FINISHED;
  }

  /**
   * Adds a running sequence that shares blocks with a parent (n > 1 fork); it decodes from the next
   * step. Running sequences may then exceed maxNumSeqs for a while; a step never schedules more.
   */
  public void addRunning(Sequence child) {
    child.status = Sequence.Status.RUNNING;
    running.add(child);
  }

  /**
   * The head of the waiting queue when the last {@link #schedule()} could not give it KV blocks while
   * nothing was running, else null. Only running sequences ever free blocks, so it can never be
   * scheduled (pinned blocks hold the rest of the pool): the caller fails it instead of waiting forever.
   */
  public Sequence unschedulable() {
    return unschedulable;
  }

  public int numRunning() {
    return running.size();
  }

  public int numWaiting() {
    return waiting.size();
  }

  public long preemptions() {
    return preemptions;
  }

  public SchedulerOptions options() {
    return options;
  }

  public KvCacheManager kv() {
    return kv;
  }
}
