package dev.ember.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.RequestOutput;
import dev.ember.engine.RequestTimings;
import dev.ember.engine.Usage;
import dev.ember.function.FunctionEndpoint.Submission;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionPool;
import dev.ember.function.FunctionState;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.kv.PromptHashes;
import dev.ember.sample.FinishReason;
import dev.ember.sample.SamplingParams;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The router's retry path over real HTTP: the first candidate is a peer whose {@code /forward} refuses
 * (429 queue full, 503 unavailable) before any output, the second a peer that serves; the client sees
 * only the second peer's answer. A bad request (400) is not retried.
 */
class PeerRefusalRetryTest {
  private static final int[] PROMPT = {5, 6, 7, 8};

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient client = vertx.createHttpClient();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicInteger refuserCalls = new AtomicInteger();
  private final Queue<InferenceRequest> served = new ConcurrentLinkedQueue<>();

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** What a peer answers instead of a first token: its queue is full (429) or it cannot serve now (503). */
  private static FunctionException refusal(int status) {
    return status == 429 ? FunctionException.queueFull("demo", 1)
        : FunctionException.unavailable("demo", "draining", 1);
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {429, 503})
  void aRefusingPeerIsReplacedByTheNextCandidateInvisibly(int status) throws Exception {
    FunctionException error = refusal(status);
    assertEquals(status, error.status());
    RoutedEndpoint endpoint = endpoint(refuser(error), servingPeer());
    Queue<RequestOutput> outputs = new ConcurrentLinkedQueue<>();
    CompletableFuture<Void> finished = new CompletableFuture<>();

    Submission s = submit(endpoint, out -> {
      outputs.add(out);
      if (out.requestFinished()) {
        finished.complete(null);
      }
    }).get(30, TimeUnit.SECONDS);
    finished.get(30, TimeUnit.SECONDS);

    assertEquals("b", s.replica(), "served by the second candidate");
    assertEquals(PROMPT.length, s.promptTokens());
    assertEquals(1, refuserCalls.get(), "the refusing peer was asked once");
    assertEquals(1, served.size());
    assertArrayEquals(PROMPT, ((Prompt.Tokens) served.peek().prompt()).ids(), "the same token ids went to b");
    assertEquals(List.of("x", "y"), outputs.stream().map(RequestOutput::text).toList());
    assertTrue(outputs.stream().allMatch(o -> o.error() == null), "no error reaches the client: " + outputs);
    assertEquals(FinishReason.LENGTH, outputs.stream().reduce((a, b) -> b).orElseThrow().finishReason());
    assertEquals(1.0, decisions(RouterMetrics.RETRIED));
    assertEquals(1.0, decisions(RouterMetrics.FORWARDED));
    assertEquals(0.0, decisions(RouterMetrics.FAILED));
  }

  @Test
  void aBadRequestIsNotRetriedOnAnotherPeer() throws Exception {
    RoutedEndpoint endpoint = endpoint(refuser(FunctionException.invalid("max_tokens", "too many")), servingPeer());

    Throwable failure = submit(endpoint, out -> {}).handle((s, e) -> e).get(30, TimeUnit.SECONDS);

    FunctionException fe = (FunctionException) (failure instanceof FunctionException ? failure : failure.getCause());
    assertEquals(400, fe.status());
    assertEquals(1, refuserCalls.get());
    assertTrue(served.isEmpty(), "a request the peer judged bad is not sent elsewhere");
    assertEquals(1.0, decisions(RouterMetrics.FAILED));
  }

  private double decisions(String outcome) {
    Counter c = registry.find("ember.router.decisions").tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  private CompletableFuture<Submission> submit(RoutedEndpoint endpoint, dev.ember.engine.OutputSink sink) {
    InferenceRequest request = new InferenceRequest("cmpl-retry", "demo", new Prompt.Tokens(PROMPT),
        SamplingParams.builder().temperature(0).maxTokens(2).ignoreEos(true).build(), null, 0);
    CompletableFuture<Submission> result = new CompletableFuture<>();
    vertx.getOrCreateContext().runOnContext(v -> endpoint.submit(request, sink)
        .onSuccess(result::complete).onFailure(result::completeExceptionally));
    return result;
  }

  /** A peer whose forwarding endpoint refuses every request with {@code error}; its host:port. */
  private String refuser(FunctionException error) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      refuserCalls.incrementAndGet();
      req.response().setStatusCode(error.status()).putHeader("Content-Type", "application/json")
          .end(ForwardCodec.encodeError(error));
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "127.0.0.1:" + server.actualPort();
  }

  /** A peer that accepts and streams two tokens, as a ForwardServer does; its host:port. */
  private String servingPeer() throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      InferenceRequest r = ForwardCodec.decodeRequest(b);
      served.add(r);
      int prompt = ((Prompt.Tokens) r.prompt()).ids().length;
      var response = req.response().setChunked(true).putHeader("Content-Type", "application/octet-stream");
      response.write(ForwardCodec.accepted(prompt));
      response.write(ForwardCodec.encodeOutput(
          new RequestOutput(r.requestId(), 0, 11, "x", null, null, null, null, null, null)));
      response.end(ForwardCodec.encodeOutput(new RequestOutput(r.requestId(), 0, 12, "y", null, FinishReason.LENGTH,
          null, new Usage(prompt, 2, 0), new RequestTimings(0, 0, 0, 0), null)));
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "127.0.0.1:" + server.actualPort();
  }

  private static ReplicaEntry entry(String member, String forward) {
    return new ReplicaEntry(member, member, "demo", FunctionState.WARM, 0, 0, 0.0, 100, 0, 0, "cpu", "w", 16, "sha256",
        "0", 2048, forward, 1, 0, 0);
  }

  /** The router of a replica without a local copy whose candidates are peer a, then peer b. */
  private RoutedEndpoint endpoint(String a, String b) {
    List<ReplicaEntry> peers = List.of(entry("a", a), entry("b", b));
    RouterMetrics metrics = new RouterMetrics(registry, m -> 0, () -> 0);
    ClusterContext context = new ClusterContext() {
      @Override
      public FunctionPool local(String function) {
        return null;
      }

      @Override
      public List<ReplicaEntry> peers(String function) {
        return peers;
      }

      @Override
      public List<ReplicaEntry> servingPeers(String function) {
        return peers;
      }

      @Override
      public String replicaName() {
        return "here";
      }

      @Override
      public RouterMetrics metrics() {
        return metrics;
      }

      @Override
      public Future<PromptHashes> hashes(String function, int[] ids, String cacheSalt) {
        return Future.succeededFuture(null);
      }

      @Override
      public List<Candidate> candidates(String function, FunctionPool local, List<ReplicaEntry> ps, long[] hashes) {
        return ps.stream().map(e -> new Candidate(e.engine(), e.replica(), false, e.state(), 0, 0, e.forward()))
            .toList();
      }

      @Override
      public ForwardCall forward(Candidate peer, InferenceRequest request, ForwardCall.Listener listener) {
        return ForwardCall.start(vertx, client, peer.forward(), request, listener);
      }
    };
    return new RoutedEndpoint(context, "demo");
  }
}
