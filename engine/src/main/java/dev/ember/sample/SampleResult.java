package dev.ember.sample;

/**
 * The outcome of one {@link Sampler#sample} call, written into a holder the caller reuses so a step
 * allocates nothing: the chosen token, its log-probability and, when the request asked for
 * {@code logprobs = N}, the N most likely alternatives best first. Log-probabilities are those of
 * the raw model distribution (log-softmax of the logits before bias, penalties, temperature and
 * filters), vLLM v1's default {@code raw_logprobs}.
 *
 * <pre>{@code
 * SampleResult r = new SampleResult();
 * sampler.sample(state, logits, row * vocab, r);
 * emit(r.token(), r.logprob());
 * }</pre>
 */
public final class SampleResult {
  private final int[] topIds = new int[SamplingParams.MAX_LOGPROBS];
  private final float[] topLogprobs = new float[SamplingParams.MAX_LOGPROBS];
  private int token = -1;
  private float logprob = Float.NaN;
  private int topCount;

  /** The chosen token id. */
  public int token() {
    return token;
  }

  /** Whether log-probabilities were computed (the request set {@code logprobs}). */
  public boolean hasLogprobs() {
    return !Float.isNaN(logprob);
  }

  /** Log-probability of the chosen token, or NaN when the request did not ask for logprobs. */
  public float logprob() {
    return logprob;
  }

  /** Number of top alternatives, the request's {@code logprobs} (0 when off). */
  public int topCount() {
    return topCount;
  }

  /** Id of the i-th most likely token, i in [0, topCount). */
  public int topId(int i) {
    return topIds[checkIndex(i)];
  }

  /** Log-probability of the i-th most likely token. */
  public float topLogprob(int i) {
    return topLogprobs[checkIndex(i)];
  }

  void set(int token, float logprob, int topCount) {
    this.token = token;
    this.logprob = logprob;
    this.topCount = topCount;
  }

  int[] topIdsBuffer() {
    return topIds;
  }

  float[] topLogprobsBuffer() {
    return topLogprobs;
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= topCount) {
      throw new IndexOutOfBoundsException("top index " + i + " not in [0, " + topCount + ")");
    }
    return i;
  }
}
