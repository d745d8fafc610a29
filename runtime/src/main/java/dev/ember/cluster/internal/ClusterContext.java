package dev.ember.cluster.internal;

import dev.ember.engine.OutputSink;
import dev.ember.function.FunctionEndpoint.Submission;
import dev.ember.function.FunctionPool;
import dev.ember.function.InferenceRequest;
import dev.ember.kv.PromptHashes;
import io.vertx.core.Future;
import java.util.List;

/** What a {@link RoutedEndpoint} needs from its replica's cluster membership. */
interface ClusterContext {
  /** This replica's own instance of the function, or null. */
  FunctionPool local(String function);

  /** Live peers' entries for the function. */
  List<ReplicaEntry> peers(String function);

  /** Live peers that can take a request for the function now or after warming. */
  List<ReplicaEntry> servingPeers(String function);

  String replicaName();

  RouterMetrics metrics();

  /** The prompt's block hashes under the function's hash seed and block size (null when ids is null). */
  Future<PromptHashes> hashes(String function, int[] ids, String cacheSalt);

  /** Every candidate engine, best first. */
  List<Candidate> candidates(String function, FunctionPool local, List<ReplicaEntry> peers, long[] hashes);

  /** Runs the request on this replica's own engine (a clustered replica counts its work as load). */
  default Future<Submission> submitLocal(FunctionPool local, InferenceRequest request, OutputSink sink) {
    return local.submit(request, sink);
  }

  ForwardCall forward(Candidate peer, InferenceRequest request, ForwardCall.Listener listener);
}
