package dev.ember.sample;

import dev.ember.sample.internal.CounterUniform;
import dev.ember.sample.internal.FilteredDistribution;
import dev.ember.sample.internal.LogitsJournal;
import dev.ember.sample.internal.RawLogprobs;
import dev.ember.sample.internal.TokenCounts;

/**
 * Picks the next token of a sequence from its logits row, in vLLM's order: logit bias, then
 * min_tokens (end-of-sequence and stop token ids masked while fewer than min_tokens are generated),
 * then the repetition penalty (prompt and output tokens: positive logits divided, negative ones
 * multiplied), then frequency and presence penalties (output tokens); then greedy argmax, or
 * temperature, top-k, top-p, min-p and a draw (vLLM v0's filter order; v1 applies min-p first, which
 * differs only when top-p is also set). Bias, masks and penalties edit only the tokens they
 * concern, in place, and are undone before {@code sample} returns: the caller's row is unchanged.
 *
 * <p>Greedy ties go to the lowest token id. Log-probabilities, when requested, are those of the raw
 * logits (before any of the processing above), like vLLM v1's default. The i-th draw of a sequence
 * uses a uniform that depends only on the sequence's seed and i ({@link CounterUniform}), so seeded
 * output is the same whatever else is in the batch and in whatever order sequences are sampled.
 *
 * <p>Holds scratch arrays of vocabulary size and is not thread-safe: one sampler per engine thread.
 * A call allocates nothing (the undo journal grows, rarely, to the largest penalty set seen).
 *
 * <pre>{@code
 * Sampler sampler = new Sampler(vocabSize);
 * SampleResult result = new SampleResult();
 * for (int s = 0; s < batch; s++) {
 *   sampler.sample(states[s], logits, s * vocabSize, result);
 *   emit(s, result.token());
 * }
 * }</pre>
 */
public final class Sampler {
  private final int vocabSize;
  private final FilteredDistribution distribution;
  private final LogitsJournal journal = new LogitsJournal();

  public Sampler(int vocabSize) {
    if (vocabSize < 1) {
      throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
    }
    this.vocabSize = vocabSize;
    this.distribution = new FilteredDistribution(vocabSize);
  }

  public int vocabSize() {
    return vocabSize;
  }

  /**
   * Chooses the next token of {@code state}'s sequence from {@code logits[offset, offset + vocabSize)},
   * writes it (with logprobs when requested) into {@code out} and records it in {@code state}.
   */
  public void sample(SequenceSamplingState state, float[] logits, int offset, SampleResult out) {
    if (offset < 0 || offset + vocabSize > logits.length) {
      throw new IndexOutOfBoundsException("row [" + offset + ", " + (offset + vocabSize)
          + ") outside logits of length " + logits.length);
    }
    if (state.vocabSize() != vocabSize) {
      throw new IllegalArgumentException("state built for vocabulary " + state.vocabSize()
          + ", sampler for " + vocabSize);
    }
    applyBiasAndPenalties(state, logits, offset);
    int token;
    if (state.greedy()) {
      token = argmax(logits, offset);
    } else {
      double uniform = CounterUniform.uniform(state.seed(), state.generatedCount());
      token = distribution.draw(logits, offset, state.inverseTemperature(), state.topK(), state.topP(),
          state.minP(), uniform);
    }
    journal.restore(logits, offset);
    writeResult(state.logprobs(), token, logits, offset, out);
    state.accept(token);
  }

  private void applyBiasAndPenalties(SequenceSamplingState state, float[] row, int offset) {
    int[] biasIds = state.biasIds();
    float[] biasValues = state.biasValues();
    for (int i = 0; i < biasIds.length; i++) {
      journal.set(row, offset, biasIds[i], row[offset + biasIds[i]] + biasValues[i]);
    }
    for (int id : state.minTokensMaskIds()) {
      journal.set(row, offset, id, Float.NEGATIVE_INFINITY);
    }
    TokenCounts seen = state.seenTokens();
    if (seen != null) {
      float penalty = state.repetitionPenalty();
      for (int i = 0, n = seen.size(); i < n; i++) {
        int id = seen.keyAt(i);
        float v = row[offset + id];
        journal.set(row, offset, id, v > 0 ? v / penalty : v * penalty);
      }
    }
    TokenCounts counts = state.outputCounts();
    if (counts != null) {
      float frequency = state.frequencyPenalty();
      float presence = state.presencePenalty();
      for (int i = 0, n = counts.size(); i < n; i++) {
        int id = counts.keyAt(i);
        journal.set(row, offset, id, row[offset + id] - frequency * counts.countAt(i) - presence);
      }
    }
  }

  /** The highest logit's id; the lowest id among equal maxima (a vectorizable max, then a search for it). */
  private int argmax(float[] row, int offset) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = offset, end = offset + vocabSize; i < end; i++) {
      max = Math.max(max, row[i]);
    }
    for (int id = 0; id < vocabSize; id++) {
      if (row[offset + id] == max) {
        return id;
      }
    }
    return 0; // a NaN logit makes the maximum NaN: the row is unusable, answer the first token
  }

  private void writeResult(int logprobs, int token, float[] row, int offset, SampleResult out) {
    if (logprobs < 0) {
      out.set(token, Float.NaN, 0);
      return;
    }
    double logNormalizer = RawLogprobs.logNormalizer(row, offset, vocabSize);
    int count = logprobs == 0 ? 0 : RawLogprobs.top(row, offset, vocabSize, logNormalizer, logprobs,
        out.topIdsBuffer(), out.topLogprobsBuffer());
    out.set(token, (float) (row[offset + token] - logNormalizer), count);
  }
}
