package dev.ember.cluster.internal;

import dev.ember.engine.OutputSink;
import dev.ember.engine.RequestOutput;
import dev.ember.function.FunctionEndpoint.Submission;
import dev.ember.function.FunctionPool;
import dev.ember.function.InferenceRequest;
import dev.ember.function.RecentCount;
import dev.ember.kv.PromptHashes;
import io.vertx.core.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The work this replica's engines have yet to do, per function, in KV blocks of tokens to compute: the
 * router's load figure. A request counts from its admission, not from the engine's next step, so one
 * still waiting in the scheduler counts as much as one running: its prompt blocks that this replica does
 * not cache yet until its first output (its prefill), and its generation budget in blocks until it
 * finishes. Blocks a request reads from the prefix cache cost no compute and do not count, so an engine
 * serving cache hits is not taken for a busy one. Every local admission, from a door of this replica or
 * from a peer, goes through {@link #submit}; each change is reported to a listener, which republishes the
 * replica's directory entry so peers see it at once. It also counts the requests admitted lately
 * ({@link #recentRequests}, decayed with a half-life of {@value #RECENT_HALF_LIFE_SECONDS} s), the replica's
 * share of the traffic that the router's share guard weighs.
 *
 * <pre>{@code QueuedWork work = new QueuedWork(index, self); work.submit(pool, request, sink); work.blocks("demo"); }</pre>
 */
public final class QueuedWork {
  /** Half-life of the recent-requests figure: a request admitted a minute ago counts one half. */
  public static final int RECENT_HALF_LIFE_SECONDS = RecentCount.HALF_LIFE_SECONDS;

  private final PrefixIndex index;
  private final String member;
  private final LongSupplier nanoClock;
  private final Map<String, AtomicInteger> tallies = new ConcurrentHashMap<>();
  private final Map<String, RecentCount> recent = new ConcurrentHashMap<>();
  private volatile Consumer<String> changed = f -> {};

  /** Work on the engines of {@code member} (this replica), whose cached blocks {@code index} holds. */
  public QueuedWork(PrefixIndex index, String member) {
    this(index, member, System::nanoTime);
  }

  QueuedWork(PrefixIndex index, String member, LongSupplier nanoClock) {
    this.index = index;
    this.member = member;
    this.nanoClock = nanoClock;
  }

  /** Runs with the function's name after its figure changed (on the thread that changed it; never blocks). */
  public void onChange(Consumer<String> listener) {
    changed = listener;
  }

  /** Blocks of work queued on the function's engines now. */
  public int blocks(String function) {
    AtomicInteger t = tallies.get(function);
    return t == null ? 0 : Math.max(0, t.get());
  }

  /** Requests of the function admitted here lately: each counts 1 when admitted, halving every minute. */
  public int recentRequests(String function) {
    RecentCount r = recent.get(function);
    return r == null ? 0 : (int) Math.round(r.at(nanoClock.getAsLong()));
  }

  /**
   * Submits the request to this replica's own engines and counts its work until its last output: the
   * prompt blocks this replica's engine does not cache (as the prefix index has them) when the request
   * carries its block hashes, else every prompt block once the engine reported the prompt's length; and
   * its generation budget as {@link #generationBlocks}.
   */
  public Future<Submission> submit(FunctionPool pool, InferenceRequest request, OutputSink sink) {
    int blockSize = pool.manifest().engine().blockSize();
    PromptHashes hashes = request.promptHashes();
    int prefill = hashes == null ? -1
        : prefillBlocks(hashes.keys(), index.blocks(new EngineId(member, request.function())));
    Ticket ticket = admit(request.function(), Math.max(prefill, 0), generationBlocks(request, blockSize));
    return pool.submit(request, ticket.tracking(sink)).onSuccess(s -> {
      if (prefill < 0) {
        ticket.addPrefill((s.promptTokens() + blockSize - 1) / blockSize);
      }
    }).onFailure(e -> ticket.release());
  }

  /** The prompt's blocks that {@code cached} lacks from the first miss on (all of them when null). */
  static int prefillBlocks(long[] promptKeys, EngineBlocks cached) {
    return promptKeys.length - (cached == null ? 0 : cached.overlap(promptKeys));
  }

  /**
   * The blocks of tokens the request may generate: {@code n * max_tokens}, rounded up to blocks; one block
   * per sequence when the request sets no limit (its length is then unknown, and at least that).
   */
  static int generationBlocks(InferenceRequest request, int blockSize) {
    int n = Math.max(1, request.params().n());
    Integer max = request.params().maxTokens();
    long tokens = max == null ? (long) n * blockSize : (long) n * Math.max(1, max);
    return (int) Math.min(Integer.MAX_VALUE / 4, (tokens + blockSize - 1) / blockSize);
  }

  /** Counts one admitted request's work: prefill blocks until its first output, the rest until its last. */
  Ticket admit(String function, int prefillBlocks, int generationBlocks) {
    AtomicInteger tally = tallies.computeIfAbsent(function, f -> new AtomicInteger());
    Ticket t = new Ticket(function, tally, prefillBlocks, generationBlocks);
    recent.computeIfAbsent(function, f -> new RecentCount()).add(nanoClock.getAsLong());
    change(function, tally, prefillBlocks + generationBlocks);
    return t;
  }

  private void change(String function, AtomicInteger tally, int delta) {
    if (delta != 0) {
      tally.addAndGet(delta);
      changed.accept(function);
    }
  }

  /** One admitted request's share of the figure. Its sink runs on the engine's step thread. */
  final class Ticket {
    private final String function;
    private final AtomicInteger tally;
    private final AtomicInteger prefill;
    private final AtomicInteger rest;

    private Ticket(String function, AtomicInteger tally, int prefill, int generation) {
      this.function = function;
      this.tally = tally;
      this.prefill = new AtomicInteger(prefill);
      this.rest = new AtomicInteger(generation);
    }

    /** Counts the prompt once its length is known (it was not when admitted). */
    void addPrefill(int blocks) {
      int p;
      do {
        p = prefill.get();
        if (blocks <= 0 || p < 0) {
          return; // nothing to add, or the prefill is already over
        }
      } while (!prefill.compareAndSet(p, p + blocks));
      change(function, tally, blocks);
    }

    /** The prefill is done: its blocks leave the figure (once). */
    void prefilled() {
      int p = prefill.getAndSet(-1);
      if (p > 0) {
        change(function, tally, -p);
      }
    }

    /** The request ended: whatever it still counted leaves the figure (once). */
    void release() {
      prefilled();
      int r = rest.getAndSet(0);
      if (r > 0) {
        change(function, tally, -r);
      }
    }

    /** The sink with this ticket's bookkeeping: the first output ends the prefill, the last the request. */
    OutputSink tracking(OutputSink sink) {
      return new OutputSink() {
        private boolean first = true;

        @Override
        public void accept(RequestOutput out) {
          if (out.requestFinished()) {
            release();
          } else if (first) {
            prefilled();
          }
          first = false;
          sink.accept(out);
        }
      };
    }
  }
}
