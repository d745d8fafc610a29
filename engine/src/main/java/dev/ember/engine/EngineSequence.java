package dev.ember.engine;

import dev.ember.kv.KvSequence;
import dev.ember.sample.SequenceSamplingState;
import dev.ember.sample.StopChecker;
import dev.ember.sched.Sequence;
import dev.ember.tokenizer.Detokenizer;

/** A sequence with the engine's per-sequence state: sampling, stopping and streaming decode. */
final class EngineSequence extends Sequence {
  final RequestState request;
  final int index;
  final SequenceSamplingState sampling;
  final StopChecker stop;
  final Detokenizer detokenizer;
  /** Set on sequence 0 of an n > 1 request until its prompt is computed; then it forks n - 1 siblings. */
  boolean forkPending;

  EngineSequence(RequestState request, int index, KvSequence kv, SequenceSamplingState sampling, StopChecker stop,
      Detokenizer detokenizer, long arrival) {
    super(kv, request.request.promptLength(), arrival, request.request.priority());
    this.request = request;
    this.index = index;
    this.sampling = sampling;
    this.stop = stop;
    this.detokenizer = detokenizer;
  }
}
