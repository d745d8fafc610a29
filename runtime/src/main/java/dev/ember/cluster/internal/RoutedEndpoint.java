package dev.ember.cluster.internal;

import dev.ember.engine.OutputSink;
import dev.ember.engine.RequestHandle;
import dev.ember.engine.RequestOutput;
import dev.ember.engine.RequestTimings;
import dev.ember.engine.Usage;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionPool;
import dev.ember.function.FunctionState;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.kv.PromptHashes;
import dev.ember.sample.FinishReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.logging.Logger;

/**
 * A function as the doors of a clustered replica see it: every request goes to the best of all
 * engines serving the function, this replica's own and its peers' ({@link Router}). The prompt is
 * tokenized and hashed here once (when the function is deployed here, WARM or not) and its block hashes
 * looked up in the local prefix index; the serving engine, here or on a peer, takes the ids and the hashes as they are
 * (no second tokenization, no second hashing); a peer streams its outputs back, which reach the sink exactly as
 * a local engine's would. A peer that refuses or dies before the first output is replaced by the
 * next candidate without the client noticing; one that dies later ends the request with an error.
 *
 * <pre>{@code gateway.function("demo").orElseThrow().submit(request, sink); }</pre>
 */
final class RoutedEndpoint implements FunctionEndpoint {
  private static final Logger LOG = Logger.getLogger(RoutedEndpoint.class.getName());
  private final ClusterContext cluster;
  private final String name;

  RoutedEndpoint(ClusterContext cluster, String name) {
    this.cluster = cluster;
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public FunctionInfo info() {
    FunctionPool local = cluster.local(name);
    List<ReplicaEntry> peers = cluster.peers(name);
    boolean peerWarm = peers.stream().anyMatch(e -> e.state() == FunctionState.WARM);
    if (local != null) {
      FunctionInfo i = local.info();
      return peerWarm && i.state() != FunctionState.WARM ? new FunctionInfo(i.name(), i.model(), i.device(),
          FunctionState.WARM, null, i.maxModelLen(), i.createdEpochSeconds(), i.stats()) : i;
    }
    ReplicaEntry best = peers.stream().min((a, b) -> Integer.compare(rank(a.state()), rank(b.state())))
        .orElseThrow(() -> FunctionException.notFound(name));
    return new FunctionInfo(name, "", best.device(), best.state(), null, best.maxModelLen(), 0, null);
  }

  private static int rank(FunctionState s) {
    return switch (s) {
      case WARM -> 0;
      case WARMING -> 1;
      case COLD -> 2;
      default -> 3;
    };
  }

  @Override
  public Future<Submission> submit(InferenceRequest request, OutputSink sink) {
    FunctionPool local = cluster.local(name);
    List<ReplicaEntry> peers = cluster.servingPeers(name);
    if (peers.isEmpty()) {
      if (local == null) {
        cluster.metrics().decision(name, RouterMetrics.FAILED);
        return Future.failedFuture(FunctionException.notFound(name));
      }
      cluster.metrics().decision(name, RouterMetrics.LOCAL);
      cluster.metrics().overlap(0);
      return cluster.submitLocal(local, request, sink).map(s -> new Submission(s.promptTokens(), s.handle(), cluster.replicaName()));
    }
    return promptTokens(local, request).compose(ids -> {
      return cluster.hashes(name, ids, request.cacheSalt()).compose(hashes -> {
        // The engine that serves it, here or on a peer, takes these hashes instead of hashing the prompt again.
        InferenceRequest routed = ids == null ? request : withTokens(request, ids, hashes);
        List<Candidate> order = cluster.candidates(name, local, peers, hashes == null ? new long[0] : hashes.keys());
        if (order.isEmpty()) {
          cluster.metrics().decision(name, RouterMetrics.FAILED);
          return Future.failedFuture(FunctionException.unavailable(name, "no replica can serve it now", 1));
        }
        cluster.metrics().overlap(order.get(0).overlapBlocks());
        return new Attempts(routed, sink, order).start();
      });
    });
  }

  /**
   * The prompt's token ids when this replica can produce them (the function is deployed here, in any state
   * but FAILED: one not loaded tokenizes with its model's tokenizer alone; or the ids were given), else null.
   */
  private Future<int[]> promptTokens(FunctionPool local, InferenceRequest request) {
    if (request.prompt() instanceof Prompt.Tokens t) {
      return Future.succeededFuture(t.ids());
    }
    if (local != null) {
      return local.tokenize(request.prompt()).recover(e -> e instanceof FunctionException fe && fe.status() == 400
          ? Future.failedFuture(fe) : Future.succeededFuture(null));
    }
    return Future.succeededFuture(null);
  }

  private static InferenceRequest withTokens(InferenceRequest r, int[] ids, PromptHashes hashes) {
    return new InferenceRequest(r.requestId(), r.function(), new Prompt.Tokens(ids), r.params(), r.cacheSalt(),
        r.priority(), hashes);
  }

  @Override
  public Future<int[]> tokenize(Prompt prompt) {
    FunctionPool local = cluster.local(name);
    return local != null ? local.tokenize(prompt)
        : Future.failedFuture(FunctionException.unavailable(name, "not loaded on this replica", 1));
  }

  @Override
  public Future<String> detokenize(int[] ids) {
    FunctionPool local = cluster.local(name);
    return local != null ? local.detokenize(ids)
        : Future.failedFuture(FunctionException.unavailable(name, "not loaded on this replica", 1));
  }

  /**
   * One request working down its candidate list. Everything runs on the caller's context: the local
   * engine's outputs and the forwarded stream's callbacks both arrive there.
   */
  private final class Attempts {
    private final InferenceRequest request;
    private final OutputSink sink;
    private final List<Candidate> order;
    private final Promise<Submission> submitted = Promise.promise();
    private final boolean[] finishedSequences;
    private int next;
    private int promptTokens;
    private int completionTokens;
    private boolean outputSeen;
    private boolean cancelled;
    private Runnable cancelCurrent = () -> {};
    private Throwable lastFailure;

    Attempts(InferenceRequest request, OutputSink sink, List<Candidate> order) {
      this.request = request;
      this.sink = sink;
      this.order = order;
      this.finishedSequences = new boolean[Math.max(1, request.params().n())];
    }

    Future<Submission> start() {
      tryNext();
      return submitted.future();
    }

    private void tryNext() {
      if (cancelled) {
        return;
      }
      if (next >= order.size()) {
        cluster.metrics().decision(name, RouterMetrics.FAILED);
        Throwable e = lastFailure != null ? lastFailure : FunctionException.unavailable(name, "no replica left", 1);
        if (!submitted.tryFail(e)) {
          // Already admitted elsewhere but lost before any output: end it with the error.
          endWithError(e.getMessage());
        }
        return;
      }
      Candidate c = order.get(next++);
      if (next > 1) {
        cluster.metrics().decision(name, RouterMetrics.RETRIED);
      }
      if (c.local()) {
        runLocally(c);
      } else {
        forward(c);
      }
    }

    private void runLocally(Candidate c) {
      FunctionPool local = cluster.local(name);
      if (local == null) {
        tryNext();
        return;
      }
      cluster.submitLocal(local, request, this::deliver).onSuccess(s -> {
        cluster.metrics().decision(name, RouterMetrics.LOCAL);
        cancelCurrent = s.handle()::cancel;
        admitted(s.promptTokens(), c);
      }).onFailure(e -> refused(e));
    }

    private void forward(Candidate c) {
      ForwardCall call = cluster.forward(c, request, new ForwardCall.Listener() {
        @Override
        public void accepted(int tokens) {
          cluster.metrics().decision(name, RouterMetrics.FORWARDED);
          admitted(tokens, c);
        }

        @Override
        public void output(RequestOutput output) {
          deliver(output);
        }

        @Override
        public void refused(FunctionException error) {
          Attempts.this.refused(error);
        }

        @Override
        public void lost(Throwable cause) {
          LOG.info(() -> "forward of " + request.requestId() + " to " + c.replica() + " lost: " + cause.getMessage());
          if (!outputSeen) {
            lastFailure = FunctionException.unavailable(name, "replica " + c.replica() + " failed: "
                + cause.getMessage(), 1);
            tryNext();
          } else {
            endWithError("replica " + c.replica() + " failed mid-stream: " + cause.getMessage());
          }
        }
      });
      cancelCurrent = call::cancel;
    }

    private void admitted(int tokens, Candidate c) {
      promptTokens = tokens;
      RequestHandle handle = RequestHandle.of(request.requestId(), () -> {
        cancelled = true;
        cancelCurrent.run();
      });
      submitted.tryComplete(new Submission(tokens, handle, c.replica()));
    }

    /** A refusal (429/503/404 and transport errors) moves on to the next candidate; a bad request does not. */
    private void refused(Throwable e) {
      lastFailure = e;
      if (e instanceof FunctionException fe && (fe.status() == 400 || fe.status() == 413)) {
        cluster.metrics().decision(name, RouterMetrics.FAILED);
        if (!submitted.tryFail(fe)) {
          endWithError(fe.getMessage());
        }
        return;
      }
      tryNext();
    }

    private void deliver(RequestOutput out) {
      outputSeen = true;
      if (out.tokenId() >= 0) {
        completionTokens++;
      }
      if (out.sequenceFinished() && out.index() < finishedSequences.length) {
        finishedSequences[out.index()] = true;
      }
      sink.accept(out);
    }

    /** Ends every unfinished sequence with an abort carrying the error; the last carries the usage. */
    private void endWithError(String error) {
      int last = -1;
      for (int i = 0; i < finishedSequences.length; i++) {
        if (!finishedSequences[i]) {
          last = i;
        }
      }
      for (int i = 0; i <= last; i++) {
        if (finishedSequences[i]) {
          continue;
        }
        finishedSequences[i] = true;
        boolean end = i == last;
        sink.accept(new RequestOutput(request.requestId(), i, -1, "", null, FinishReason.ABORT, null,
            end ? new Usage(promptTokens, completionTokens, 0) : null, end ? new RequestTimings(0, 0, 0, 0) : null,
            error));
      }
    }
  }
}
