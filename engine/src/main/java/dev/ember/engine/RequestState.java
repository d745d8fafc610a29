package dev.ember.engine;

import java.util.ArrayList;
import java.util.List;

/** A request's bookkeeping across its n sequences: counts, milestones and whether it is done. */
final class RequestState {
  final EngineRequest request;
  final long submittedNanos;
  final List<EngineSequence> sequences = new ArrayList<>();
  long firstScheduledNanos;
  long firstTokenNanos;
  int unfinished;
  int completionTokens;
  int cachedTokens = -1;
  int preemptions;
  dev.ember.sample.SequenceSamplingState[] pendingSampling;
  dev.ember.sample.StopChecker[] pendingStops;
  dev.ember.tokenizer.Detokenizer[] pendingDetokenizers;

  RequestState(EngineRequest request, long submittedNanos) {
    this.request = request;
    this.submittedNanos = submittedNanos;
    this.unfinished = request.params().n();
  }
}
