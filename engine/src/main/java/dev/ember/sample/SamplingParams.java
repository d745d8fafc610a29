package dev.ember.sample;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one request samples and when it stops: the fields of vLLM's {@code SamplingParams} that the
 * OpenAI API exposes, validated on construction. Every field has a {@code DEFAULT_*} constant; a
 * value out of range throws {@link InvalidSamplingParamsException} naming the OpenAI field.
 *
 * <pre>{@code
 * SamplingParams p = SamplingParams.builder().temperature(0.7).topP(0.9).maxTokens(256).stop("\n\n").build();
 * }</pre>
 *
 * @param n sequences to generate for the request, 1..{@value #MAX_N}
 * @param temperature softmax temperature in [0, 2]; below {@link #GREEDY_EPSILON} sampling is greedy
 * @param topK keep the k most likely tokens; -1 or 0 turns it off
 * @param topP keep the smallest set of most likely tokens whose probability reaches p, in (0, 1]
 * @param minP drop tokens whose probability is below minP times the top token's, in [0, 1]
 * @param seed seed of the request's draws, or null for a random one
 * @param presencePenalty subtracted once from every token already generated, in [-2, 2]
 * @param frequencyPenalty subtracted per occurrence of a token already generated, in [-2, 2]
 * @param repetitionPenalty divides positive and multiplies negative logits of tokens seen in the
 *     prompt or output, > 0; 1 is off
 * @param logitBias token id to a bias in [-100, 100] added to its logit
 * @param stop stop strings, at most {@value #MAX_STOP_STRINGS}, none empty
 * @param stopTokenIds token ids that end the sequence besides end-of-sequence
 * @param ignoreEos keep generating past end-of-sequence tokens
 * @param maxTokens generated-token limit (>= 1), or null to run up to the context length
 * @param minTokens tokens to generate before end-of-sequence, stop tokens and stop strings count,
 *     in [0, maxTokens]
 * @param logprobs null for no log-probabilities, else how many top alternatives to return per token,
 *     0..{@value #MAX_LOGPROBS} (0 returns only the chosen token's)
 * @param includeStopStrInOutput keep the matched stop string (or stop token text) in the output
 * @param skipSpecialTokens leave special tokens out of the detokenized text
 */
public record SamplingParams(
    int n,
    double temperature,
    int topK,
    double topP,
    double minP,
    Long seed,
    double presencePenalty,
    double frequencyPenalty,
    double repetitionPenalty,
    Map<Integer, Double> logitBias,
    List<String> stop,
    List<Integer> stopTokenIds,
    boolean ignoreEos,
    Integer maxTokens,
    int minTokens,
    Integer logprobs,
    boolean includeStopStrInOutput,
    boolean skipSpecialTokens) {

  /** One sequence per request. */
  public static final int DEFAULT_N = 1;
  /** Most sequences per request (OpenAI's limit). */
  public static final int MAX_N = 128;
  /** Plain softmax sampling. */
  public static final double DEFAULT_TEMPERATURE = 1.0;
  /** Highest temperature accepted (OpenAI's limit). */
  public static final double MAX_TEMPERATURE = 2.0;
  /** Temperatures below this sample greedily (vLLM's epsilon), the limit of temperature -> 0. */
  public static final double GREEDY_EPSILON = 1e-5;
  /** Top-k off. */
  public static final int DEFAULT_TOP_K = -1;
  /** Top-p off. */
  public static final double DEFAULT_TOP_P = 1.0;
  /** Min-p off. */
  public static final double DEFAULT_MIN_P = 0.0;
  /** No presence penalty. */
  public static final double DEFAULT_PRESENCE_PENALTY = 0.0;
  /** No frequency penalty. */
  public static final double DEFAULT_FREQUENCY_PENALTY = 0.0;
  /** Largest magnitude of the presence and frequency penalties (OpenAI's range). */
  public static final double MAX_PENALTY = 2.0;
  /** Repetition penalty off. */
  public static final double DEFAULT_REPETITION_PENALTY = 1.0;
  /** Largest magnitude of a logit bias (OpenAI's range). */
  public static final double MAX_LOGIT_BIAS = 100.0;
  /** Most stop strings per request. */
  public static final int MAX_STOP_STRINGS = 16;
  /** End-of-sequence may come from the first token. */
  public static final int DEFAULT_MIN_TOKENS = 0;
  /** Most top alternatives per token (OpenAI's {@code top_logprobs} limit). */
  public static final int MAX_LOGPROBS = 20;
  /** Detokenized text leaves special tokens out. */
  public static final boolean DEFAULT_SKIP_SPECIAL_TOKENS = true;
  /** The matched stop string is cut from the output. */
  public static final boolean DEFAULT_INCLUDE_STOP_STR_IN_OUTPUT = false;
  /** End-of-sequence tokens stop the sequence. */
  public static final boolean DEFAULT_IGNORE_EOS = false;

  /** The defaults: one sequence, temperature 1, no filters, no penalties, no stops, no logprobs. */
  public static final SamplingParams DEFAULTS = builder().build();

  public SamplingParams {
    logitBias = logitBias == null ? Map.of() : copyBias(logitBias);
    stop = stop == null ? List.of() : copyNonNull(stop, "stop");
    stopTokenIds = stopTokenIds == null ? List.of() : copyNonNull(stopTokenIds, "stop_token_ids");
    validate(n, temperature, topK, topP, minP, presencePenalty, frequencyPenalty, repetitionPenalty,
        logitBias, stop, stopTokenIds, maxTokens, minTokens, logprobs);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Whether the token is the argmax of the processed logits (temperature below {@link #GREEDY_EPSILON}). */
  public boolean greedy() {
    return temperature < GREEDY_EPSILON;
  }

  /** The seed of sequence {@code index} of an n > 1 request, vLLM's {@code seed + index}; null when unseeded. */
  public Long sequenceSeed(int index) {
    return seed == null ? null : seed + index;
  }

  private static void validate(int n, double temperature, int topK, double topP, double minP,
      double presencePenalty, double frequencyPenalty, double repetitionPenalty,
      Map<Integer, Double> logitBias, List<String> stop, List<Integer> stopTokenIds,
      Integer maxTokens, int minTokens, Integer logprobs) {
    if (n < 1 || n > MAX_N) {
      throw invalid("n", "must be in [1, " + MAX_N + "]", n);
    }
    if (!(temperature >= 0 && temperature <= MAX_TEMPERATURE)) {
      throw invalid("temperature", "must be in [0, " + MAX_TEMPERATURE + "]", temperature);
    }
    if (topK < -1) {
      throw invalid("top_k", "must be -1 or 0 (off) or at least 1", topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw invalid("top_p", "must be in (0, 1]", topP);
    }
    if (!(minP >= 0 && minP <= 1)) {
      throw invalid("min_p", "must be in [0, 1]", minP);
    }
    if (!(Math.abs(presencePenalty) <= MAX_PENALTY)) {
      throw invalid("presence_penalty", "must be in [-" + MAX_PENALTY + ", " + MAX_PENALTY + "]", presencePenalty);
    }
    if (!(Math.abs(frequencyPenalty) <= MAX_PENALTY)) {
      throw invalid("frequency_penalty", "must be in [-" + MAX_PENALTY + ", " + MAX_PENALTY + "]", frequencyPenalty);
    }
    if (!(repetitionPenalty > 0 && repetitionPenalty < Double.POSITIVE_INFINITY)) {
      throw invalid("repetition_penalty", "must be finite and > 0 (1 is off)", repetitionPenalty);
    }
    for (Map.Entry<Integer, Double> e : logitBias.entrySet()) {
      if (e.getKey() < 0) {
        throw invalid("logit_bias", "token ids must be >= 0", e.getKey());
      }
      double bias = e.getValue();
      if (!(Math.abs(bias) <= MAX_LOGIT_BIAS)) {
        throw invalid("logit_bias", "bias of token " + e.getKey() + " must be in [-" + MAX_LOGIT_BIAS
            + ", " + MAX_LOGIT_BIAS + "]", bias);
      }
    }
    if (stop.size() > MAX_STOP_STRINGS) {
      throw invalid("stop", "must hold at most " + MAX_STOP_STRINGS + " strings", stop.size());
    }
    for (String s : stop) {
      if (s.isEmpty()) {
        throw new InvalidSamplingParamsException("stop", "stop strings must not be empty");
      }
    }
    for (int id : stopTokenIds) {
      if (id < 0) {
        throw invalid("stop_token_ids", "token ids must be >= 0", id);
      }
    }
    if (maxTokens != null && maxTokens < 1) {
      throw invalid("max_tokens", "must be >= 1 (or absent for the context length)", maxTokens);
    }
    if (minTokens < 0) {
      throw invalid("min_tokens", "must be >= 0", minTokens);
    }
    if (maxTokens != null && minTokens > maxTokens) {
      throw invalid("min_tokens", "must be <= max_tokens (" + maxTokens + ")", minTokens);
    }
    if (logprobs != null && (logprobs < 0 || logprobs > MAX_LOGPROBS)) {
      throw invalid("logprobs", "must be in [0, " + MAX_LOGPROBS + "]", logprobs);
    }
  }

  private static InvalidSamplingParamsException invalid(String param, String range, Object value) {
    return new InvalidSamplingParamsException(param, param + " " + range + ", got " + value);
  }

  private static Map<Integer, Double> copyBias(Map<Integer, Double> bias) {
    Map<Integer, Double> copy = new LinkedHashMap<>();
    for (Map.Entry<Integer, Double> e : bias.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new InvalidSamplingParamsException("logit_bias", "logit_bias must not hold nulls");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(copy);
  }

  private static <T> List<T> copyNonNull(List<T> list, String param) {
    for (T item : list) {
      if (item == null) {
        throw new InvalidSamplingParamsException(param, param + " must not hold nulls");
      }
    }
    return List.copyOf(list);
  }

  /** Mutable builder starting from the defaults; {@link #build()} validates. */
  public static final class Builder {
    private int n = DEFAULT_N;
    private double temperature = DEFAULT_TEMPERATURE;
    private int topK = DEFAULT_TOP_K;
    private double topP = DEFAULT_TOP_P;
    private double minP = DEFAULT_MIN_P;
    private Long seed;
    private double presencePenalty = DEFAULT_PRESENCE_PENALTY;
    private double frequencyPenalty = DEFAULT_FREQUENCY_PENALTY;
    private double repetitionPenalty = DEFAULT_REPETITION_PENALTY;
    private Map<Integer, Double> logitBias = new LinkedHashMap<>();
    private List<String> stop = new ArrayList<>();
    private List<Integer> stopTokenIds = new ArrayList<>();
    private boolean ignoreEos = DEFAULT_IGNORE_EOS;
    private Integer maxTokens;
    private int minTokens = DEFAULT_MIN_TOKENS;
    private Integer logprobs;
    private boolean includeStopStrInOutput = DEFAULT_INCLUDE_STOP_STR_IN_OUTPUT;
    private boolean skipSpecialTokens = DEFAULT_SKIP_SPECIAL_TOKENS;

    private Builder() {}

    private Builder(SamplingParams p) {
      n = p.n;
      temperature = p.temperature;
      topK = p.topK;
      topP = p.topP;
      minP = p.minP;
      seed = p.seed;
      presencePenalty = p.presencePenalty;
      frequencyPenalty = p.frequencyPenalty;
      repetitionPenalty = p.repetitionPenalty;
      logitBias = new LinkedHashMap<>(p.logitBias);
      stop = new ArrayList<>(p.stop);
      stopTokenIds = new ArrayList<>(p.stopTokenIds);
      ignoreEos = p.ignoreEos;
      maxTokens = p.maxTokens;
      minTokens = p.minTokens;
      logprobs = p.logprobs;
      includeStopStrInOutput = p.includeStopStrInOutput;
      skipSpecialTokens = p.skipSpecialTokens;
    }

    public Builder n(int n) {
      this.n = n;
      return this;
    }

    public Builder temperature(double temperature) {
      this.temperature = temperature;
      return this;
    }

    public Builder topK(int topK) {
      this.topK = topK;
      return this;
    }

    public Builder topP(double topP) {
      this.topP = topP;
      return this;
    }

    public Builder minP(double minP) {
      this.minP = minP;
      return this;
    }

    public Builder seed(Long seed) {
      this.seed = seed;
      return this;
    }

    public Builder presencePenalty(double presencePenalty) {
      this.presencePenalty = presencePenalty;
      return this;
    }

    public Builder frequencyPenalty(double frequencyPenalty) {
      this.frequencyPenalty = frequencyPenalty;
      return this;
    }

    public Builder repetitionPenalty(double repetitionPenalty) {
      this.repetitionPenalty = repetitionPenalty;
      return this;
    }

    /** Replaces the whole bias map. */
    public Builder logitBias(Map<Integer, Double> logitBias) {
      this.logitBias = new LinkedHashMap<>(logitBias);
      return this;
    }

    /** Adds (or replaces) the bias of one token. */
    public Builder logitBias(int tokenId, double bias) {
      this.logitBias.put(tokenId, bias);
      return this;
    }

    public Builder stop(List<String> stop) {
      this.stop = new ArrayList<>(stop);
      return this;
    }

    public Builder stop(String... stop) {
      return stop(List.of(stop));
    }

    public Builder stopTokenIds(List<Integer> stopTokenIds) {
      this.stopTokenIds = new ArrayList<>(stopTokenIds);
      return this;
    }

    public Builder stopTokenIds(int... stopTokenIds) {
      this.stopTokenIds = new ArrayList<>();
      for (int id : stopTokenIds) {
        this.stopTokenIds.add(id);
      }
      return this;
    }

    public Builder ignoreEos(boolean ignoreEos) {
      this.ignoreEos = ignoreEos;
      return this;
    }

    public Builder maxTokens(Integer maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    public Builder minTokens(int minTokens) {
      this.minTokens = minTokens;
      return this;
    }

    public Builder logprobs(Integer logprobs) {
      this.logprobs = logprobs;
      return this;
    }

    public Builder includeStopStrInOutput(boolean includeStopStrInOutput) {
      this.includeStopStrInOutput = includeStopStrInOutput;
      return this;
    }

    public Builder skipSpecialTokens(boolean skipSpecialTokens) {
      this.skipSpecialTokens = skipSpecialTokens;
      return this;
    }

    /** @throws InvalidSamplingParamsException naming the first field out of range */
    public SamplingParams build() {
      return new SamplingParams(n, temperature, topK, topP, minP, seed, presencePenalty,
          frequencyPenalty, repetitionPenalty, logitBias, stop, stopTokenIds, ignoreEos, maxTokens,
          minTokens, logprobs, includeStopStrInOutput, skipSpecialTokens);
    }
  }
}
