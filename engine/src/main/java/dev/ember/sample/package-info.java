/**
 * Token sampling and stopping, as vLLM applies an OpenAI request's sampling parameters.
 *
 * <p>{@link dev.ember.sample.SamplingParams} holds and validates a request's parameters. Per
 * sequence, a {@link dev.ember.sample.SequenceSamplingState} remembers what the penalties and the
 * seeded generator need, and a {@link dev.ember.sample.StopChecker} turns token ids and detokenized
 * deltas into streamable text and a {@link dev.ember.sample.FinishReason}. One
 * {@link dev.ember.sample.Sampler} per engine thread picks tokens from logits rows into a reused
 * {@link dev.ember.sample.SampleResult}. The {@code internal} package holds the selection and hashing
 * mechanics and is not for use outside this one.
 *
 * <pre>{@code
 * sampler.sample(state, logits, row * vocab, result);
 * String text = stop.accept(result.token(), detokenizer.delta(result.token()));
 * }</pre>
 */
package dev.ember.sample;
