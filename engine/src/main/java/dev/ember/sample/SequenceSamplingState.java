package dev.ember.sample;

import dev.ember.sample.internal.TokenCounts;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the {@link Sampler} needs to remember about one sequence between steps: its parameters in
 * array form, its seed, how many tokens it has generated, the counts of generated tokens (frequency
 * and presence penalties) and the set of prompt and generated tokens (repetition penalty). Create
 * one per sequence when the request is admitted; the sampler updates it as tokens are drawn.
 *
 * <pre>{@code
 * var state = new SequenceSamplingState(params, promptIds, new int[] {eosId}, vocabSize, 0);
 * }</pre>
 */
public final class SequenceSamplingState {
  private static final int INITIAL_OUTPUT_CAPACITY = 256;
  private static final int[] NO_IDS = new int[0];

  private final SamplingParams params;
  private final int vocabSize;
  private final long seed;
  private final int[] biasIds;
  private final float[] biasValues;
  private final int[] minTokensMaskIds;
  private final float repetitionPenalty;
  private final float presencePenalty;
  private final float frequencyPenalty;
  private final boolean greedy;
  private final float inverseTemperature;
  private final int topK;
  private final double topP;
  private final float minP;
  private final int logprobs;
  private final TokenCounts outputCounts;  // null without frequency/presence penalty
  private final TokenCounts seenTokens;    // prompt and output tokens; null without repetition penalty
  private int generated;

  /**
   * @param promptTokenIds the prompt, for the repetition penalty
   * @param eosTokenIds the model's end-of-sequence ids, masked with the stop token ids while fewer
   *     than {@code min_tokens} are generated (unless {@code ignore_eos})
   * @param sequenceIndex index of this sequence among the request's n; a seeded request's sequence i
   *     draws with seed + i (as vLLM does)
   * @throws InvalidSamplingParamsException when a logit bias or stop token id is not in the vocabulary
   */
  public SequenceSamplingState(SamplingParams params, int[] promptTokenIds, int[] eosTokenIds,
      int vocabSize, int sequenceIndex) {
    this.params = params;
    this.vocabSize = vocabSize;
    Long requested = params.sequenceSeed(sequenceIndex);
    this.seed = requested != null ? requested : ThreadLocalRandom.current().nextLong();

    Map<Integer, Double> bias = params.logitBias();
    biasIds = new int[bias.size()];
    biasValues = new float[bias.size()];
    int b = 0;
    for (Map.Entry<Integer, Double> e : bias.entrySet()) {
      requireInVocabulary("logit_bias", e.getKey(), vocabSize);
      biasIds[b] = e.getKey();
      biasValues[b] = e.getValue().floatValue();
      b++;
    }

    int eosCount = params.ignoreEos() ? 0 : eosTokenIds.length;
    minTokensMaskIds = new int[params.stopTokenIds().size() + eosCount];
    int m = 0;
    for (int id : params.stopTokenIds()) {
      requireInVocabulary("stop_token_ids", id, vocabSize);
      minTokensMaskIds[m++] = id;
    }
    for (int i = 0; i < eosCount; i++) {
      minTokensMaskIds[m++] = eosTokenIds[i];
    }

    repetitionPenalty = (float) params.repetitionPenalty();
    presencePenalty = (float) params.presencePenalty();
    frequencyPenalty = (float) params.frequencyPenalty();
    greedy = params.greedy();
    inverseTemperature = greedy ? 1f : (float) (1.0 / params.temperature());
    topK = params.topK();
    topP = params.topP();
    minP = (float) params.minP();
    logprobs = params.logprobs() == null ? -1 : params.logprobs();
    int outputCapacity = params.maxTokens() == null
        ? INITIAL_OUTPUT_CAPACITY
        : Math.min(params.maxTokens(), INITIAL_OUTPUT_CAPACITY);
    outputCounts = presencePenalty != 0 || frequencyPenalty != 0 ? new TokenCounts(outputCapacity) : null;
    if (repetitionPenalty != 1f) {
      seenTokens = new TokenCounts(promptTokenIds.length + outputCapacity);
      for (int id : promptTokenIds) {
        if (id < 0 || id >= vocabSize) {
          throw new IllegalArgumentException("prompt token id " + id + " outside the vocabulary [0, " + vocabSize + ")");
        }
        if (!seenTokens.contains(id)) {
          seenTokens.increment(id);
        }
      }
    } else {
      seenTokens = null;
    }
  }

  public SamplingParams params() {
    return params;
  }

  /** The vocabulary size the token ids of this state were checked against. */
  public int vocabSize() {
    return vocabSize;
  }

  /** The seed this sequence draws with (the requested one plus its index, or a random one). */
  public long seed() {
    return seed;
  }

  /** Tokens generated so far (the step index of the next draw). */
  public int generatedCount() {
    return generated;
  }

  /** How often {@code tokenId} has been generated (counted only with a frequency or presence penalty). */
  public int outputCount(int tokenId) {
    return outputCounts == null ? 0 : outputCounts.count(tokenId);
  }

  /** Records a drawn token; called by the sampler. */
  void accept(int tokenId) {
    generated++;
    if (outputCounts != null) {
      outputCounts.increment(tokenId);
    }
    if (seenTokens != null && !seenTokens.contains(tokenId)) {
      seenTokens.increment(tokenId);
    }
  }

  int[] biasIds() {
    return biasIds;
  }

  float[] biasValues() {
    return biasValues;
  }

  /** Ids to mask to -inf for this step: stop and EOS tokens while below min_tokens, else none. */
  int[] minTokensMaskIds() {
    return generated < params.minTokens() ? minTokensMaskIds : NO_IDS;
  }

  float repetitionPenalty() {
    return repetitionPenalty;
  }

  float presencePenalty() {
    return presencePenalty;
  }

  float frequencyPenalty() {
    return frequencyPenalty;
  }

  boolean greedy() {
    return greedy;
  }

  float inverseTemperature() {
    return inverseTemperature;
  }

  int topK() {
    return topK;
  }

  double topP() {
    return topP;
  }

  float minP() {
    return minP;
  }

  /** Top alternatives to report, or -1 for no logprobs at all. */
  int logprobs() {
    return logprobs;
  }

  TokenCounts outputCounts() {
    return outputCounts;
  }

  TokenCounts seenTokens() {
    return seenTokens;
  }

  private static void requireInVocabulary(String param, int id, int vocabSize) {
    if (id >= vocabSize) {
      throw new InvalidSamplingParamsException(param,
          param + " token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
    }
  }
}
