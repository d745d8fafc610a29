package dev.ember.cluster.internal;

import dev.ember.cluster.ClusterOptions;
import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionPool;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionRegistry;
import dev.ember.function.FunctionState;
import dev.ember.function.InferenceRequest;
import dev.ember.engine.EngineStats;
import dev.ember.kv.BlockHasher;
import dev.ember.function.EngineDescription;
import dev.ember.kv.PromptHashes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The doors' view of a clustered replica: every function served anywhere in the cluster, each behind a
 * {@link RoutedEndpoint}. It also keeps this replica's directory entries current (state, load, KV
 * identity, event stream position) and tells the event follower what the directory says.
 *
 * <pre>{@code EmberHttpServer.start(vertx, clusterGateway, httpOptions, routes); }</pre>
 */
public final class ClusterGateway implements FunctionGateway, ClusterContext {
  private static final Logger LOG = Logger.getLogger(ClusterGateway.class.getName());
  /**
   * Prompts of at most this many full blocks are hashed on the calling event loop: about a microsecond a
   * block (one SHA-256 of some 100 bytes), well under a worker-pool round trip; longer ones go to a worker.
   */
  static final int INLINE_HASH_BLOCKS = 64;
  private static final ThreadLocal<Map<String, BlockHasher>> HASHERS = ThreadLocal.withInitial(HashMap::new);

  private final Vertx vertx;
  private final FunctionRegistry registry;
  private final ReplicaDirectory directory;
  private final PrefixIndex index;
  private final LocalEngines engines;
  private final QueuedWork work;
  private final KvEventFollower follower;
  private final Router router;
  private final RouterMetrics metrics;
  private final String replicaName;
  private final String forwardAddress;
  private final HttpClient client;
  private final Map<String, RoutedEndpoint> endpoints = new ConcurrentHashMap<>();
  private final Map<String, Set<ForwardCall>> inFlight = new ConcurrentHashMap<>();
  private final Set<String> refused = ConcurrentHashMap.newKeySet();
  private final UnadmittedForwards unadmitted = new UnadmittedForwards();
  /** Functions whose queued work changed since their entry was last published. */
  private final Set<String> dirty = ConcurrentHashMap.newKeySet();
  private final io.vertx.core.Context context;
  private volatile boolean leaving;

  public ClusterGateway(Vertx vertx, FunctionRegistry registry, ReplicaDirectory directory, PrefixIndex index,
      LocalEngines engines, QueuedWork work, KvEventFollower follower, RouterMetrics metrics,
      ClusterOptions options, String replicaName, String forwardAddress) {
    this.vertx = vertx;
    this.registry = registry;
    this.directory = directory;
    this.index = index;
    this.engines = engines;
    this.work = work;
    this.context = vertx.getOrCreateContext();
    this.follower = follower;
    this.router = new Router(options.routing(), options.cacheWeight());
    this.metrics = metrics;
    this.replicaName = replicaName;
    this.forwardAddress = forwardAddress;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    directory.onMemberLeft(this::memberLeft);
    work.onChange(this::workChanged);
  }

  // ---- FunctionGateway

  @Override
  public Optional<FunctionEndpoint> function(String name) {
    if (registry.instance(name).isEmpty() && peers(name).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(endpoints.computeIfAbsent(name, n -> new RoutedEndpoint(this, n)));
  }

  @Override
  public List<FunctionInfo> list() {
    Map<String, FunctionInfo> out = new LinkedHashMap<>();
    for (FunctionInfo i : registry.list()) {
      out.put(i.name(), function(i.name()).map(FunctionEndpoint::info).orElse(i));
    }
    Set<String> remote = new LinkedHashSet<>();
    for (ReplicaEntry e : directory.entries()) {
      if (!e.member().equals(directory.self()) && !out.containsKey(e.function())) {
        remote.add(e.function());
      }
    }
    for (String name : remote) {
      function(name).ifPresent(f -> out.put(name, f.info()));
    }
    return new ArrayList<>(out.values());
  }

  @Override
  public List<ContextStats> contextStats(FunctionInfo f) {
    return registry.contextStats(f);
  }

  // ---- ClusterContext

  @Override
  public FunctionPool local(String function) {
    return registry.instance(function).orElse(null);
  }

  @Override
  public List<ReplicaEntry> peers(String function) {
    List<ReplicaEntry> out = new ArrayList<>();
    for (ReplicaEntry e : directory.entries(function)) {
      if (!e.member().equals(directory.self())) {
        out.add(e);
      }
    }
    return out;
  }

  @Override
  public List<ReplicaEntry> servingPeers(String function) {
    List<ReplicaEntry> out = new ArrayList<>();
    for (ReplicaEntry e : peers(function)) {
      if (e.forward() != null && takesRequests(e.state())) {
        out.add(e);
      }
    }
    return out;
  }

  private static boolean takesRequests(FunctionState s) {
    return ReplicaDirectory.takesRequests(s);
  }

  @Override
  public String replicaName() {
    return replicaName;
  }

  @Override
  public RouterMetrics metrics() {
    return metrics;
  }

  @Override
  public Future<PromptHashes> hashes(String function, int[] ids, String cacheSalt) {
    if (ids == null) {
      return Future.succeededFuture(null);
    }
    FunctionPool local = local(function);
    String seed;
    int blockSize;
    if (local != null) {
      seed = local.manifest().engine().hashSeed();
      blockSize = local.manifest().engine().blockSize();
    } else {
      List<ReplicaEntry> peers = peers(function);
      if (peers.isEmpty()) {
        return Future.succeededFuture(null);
      }
      seed = peers.get(0).hashSeed();
      blockSize = peers.get(0).blockSize();
    }
    Callable<PromptHashes> hash = () -> PromptHashes.of(
        HASHERS.get().computeIfAbsent(seed, BlockHasher::new), seed, ids, blockSize, cacheSalt);
    if (ids.length / Math.max(1, blockSize) <= INLINE_HASH_BLOCKS) {
      try {
        return Future.succeededFuture(hash.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return vertx.executeBlocking(hash, false);
  }

  @Override
  public List<Candidate> candidates(String function, FunctionPool local, List<ReplicaEntry> peers, long[] hashes) {
    // The peers' candidates come made with their directory entries (the same live, serving peers as
    // servingPeers lists), so a decision over a large fleet allocates one list, not an object per peer.
    List<Candidate> all = directory.peerCandidates(function);
    if (local != null && takesRequests(local.state())) {
      EngineId id = new EngineId(directory.self(), function);
      all.add(new Candidate(id, replicaName, true, local.state(), work.blocks(function), 0, null,
          work.recentRequests(function)));
    }
    unadmitted.addTo(all);
    return router.order(all, hashes, index);
  }

  @Override
  public Future<FunctionEndpoint.Submission> submitLocal(FunctionPool local, InferenceRequest request,
      dev.ember.engine.OutputSink sink) {
    return work.submit(local, request, sink);
  }

  @Override
  public ForwardCall forward(Candidate peer, InferenceRequest request, ForwardCall.Listener listener) {
    Set<ForwardCall> calls = inFlight.computeIfAbsent(peer.engine().member(), m -> ConcurrentHashMap.newKeySet());
    ForwardCall[] self = new ForwardCall[1];
    // Until the peer admits the request (and so counts it in the load it publishes), count it here.
    Runnable settled = unadmitted.add(peer.engine(), forwardedBlocks(peer, request));
    ForwardCall.Listener tracked = new ForwardCall.Listener() {
      @Override
      public void accepted(int promptTokens) {
        settled.run();
        listener.accepted(promptTokens);
      }

      @Override
      public void output(dev.ember.engine.RequestOutput output) {
        if (output.requestFinished()) {
          calls.remove(self[0]);
        }
        listener.output(output);
      }

      @Override
      public void refused(dev.ember.function.FunctionException error) {
        settled.run();
        calls.remove(self[0]);
        listener.refused(error);
      }

      @Override
      public void lost(Throwable cause) {
        settled.run();
        calls.remove(self[0]);
        listener.lost(cause);
      }
    };
    self[0] = ForwardCall.start(vertx, client, peer.forward(), request, tracked);
    if (!self[0].ended()) {
      calls.add(self[0]);
    }
    return self[0];
  }

  /** The work a forwarded request brings its peer, as the peer will count it ({@link QueuedWork}). */
  static int forwardedBlocks(Candidate peer, InferenceRequest request) {
    PromptHashes hashes = request.promptHashes();
    if (hashes == null) {
      return QueuedWork.generationBlocks(request, FunctionManifest.EngineSettings.DEFAULT_BLOCK_SIZE);
    }
    return Math.max(0, hashes.blocks() - peer.overlapBlocks())
        + QueuedWork.generationBlocks(request, hashes.blockSize());
  }

  /** Republishes the function's entry soon, once for any number of changes meanwhile (any thread). */
  private void workChanged(String function) {
    if (dirty.add(function)) {
      context.runOnContext(v -> {
        dirty.remove(function);
        FunctionPool f = local(function);
        if (f != null && !refused.contains(function)
            && directory.published(ReplicaEntry.key(directory.self(), function))) {
          directory.publish(entry(f, f.info()));
        }
      });
    }
  }

  private void memberLeft(String member) {
    Set<ForwardCall> calls = inFlight.remove(member);
    if (calls != null) {
      calls.forEach(ForwardCall::peerLeft);
    }
    follower.forget(member);
  }

  // ---- directory upkeep

  /**
   * Why a function's manifest cannot join this cluster (another replica hashes its blocks differently),
   * or null when it can.
   */
  public String incompatibility(FunctionManifest m) {
    FunctionManifest.EngineSettings e = m.engine();
    for (ReplicaEntry peer : peers(m.name())) {
      if (!peer.hashSeed().equals(e.hashSeed())) {
        return "function '" + m.name() + "': hash seed '" + e.hashSeed() + "' on this replica differs from '"
            + peer.hashSeed() + "' on replica " + peer.replica() + "; every replica of a function must use the same"
            + " hash seed";
      }
      if (peer.blockSize() != e.blockSize()) {
        return "function '" + m.name() + "': block size " + e.blockSize() + " on this replica differs from "
            + peer.blockSize() + " on replica " + peer.replica() + "; every replica of a function must use the same"
            + " block size";
      }
    }
    return null;
  }

  /** Publishes this replica's entries and reconciles the event follower with the directory. */
  public void refresh() {
    List<String> names = new ArrayList<>();
    for (FunctionInfo info : registry.list()) {
      FunctionPool f = local(info.name());
      if (f == null) {
        continue;
      }
      String why = incompatibility(f.manifest());
      if (why != null) {
        if (refused.add(info.name())) {
          LOG.warning("not announcing " + why);
        }
        continue;
      }
      names.add(info.name());
      directory.publish(entry(f, info));
    }
    directory.retainOwn(names);
    List<ReplicaEntry> all = directory.entries();
    follower.sync(all);
    for (ReplicaEntry e : all) {
      metrics.member(e.member());
    }
  }

  private ReplicaEntry entry(FunctionPool f, FunctionInfo info) {
    FunctionManifest m = f.manifest();
    EngineDescription d = engines.description(m.name());
    EngineStats s = info.stats();
    FunctionState state = leaving ? FunctionState.DRAINING : info.state();
    return new ReplicaEntry(directory.self(), replicaName, m.name(), state, s == null ? 0 : s.running(),
        s == null ? 0 : s.waiting(), s == null ? 0 : s.kvUsage(), s == null ? 0 : s.freeBlocks(),
        engines.activeBlocks(m.name()), work.blocks(m.name()), m.device(), d == null ? "" : d.weightsKey(),
        m.engine().blockSize(),
        BlockHasher.SCHEME, m.engine().hashSeed(), info.maxModelLen(), forwardAddress, engines.epoch(m.name()),
        engines.sequence(m.name()), work.recentRequests(m.name()));
  }

  /** Announces DRAINING for every function so peers stop routing here, then removes the entries. */
  public Future<Void> leave() {
    leaving = true;
    refresh();
    return directory.withdraw();
  }

  public ReplicaDirectory directory() {
    return directory;
  }

  public PrefixIndex index() {
    return index;
  }

  public KvEventFollower follower() {
    return follower;
  }

  public Router router() {
    return router;
  }
}
