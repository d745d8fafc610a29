package dev.ember.model.create;

import dev.ember.model.ModelConfig;

/**
 * The {@code rope_freqs.weight} tensor llama.cpp's converter stores for Llama 3.1 rope scaling:
 * per frequency pair, the divisor applied to its frequency (1 for short wavelengths, the scaling
 * factor for long ones, a smooth blend between).
 *
 * <pre>{@code float[] factors = Llama3RopeFactors.of(config); // headDim / 2 values }</pre>
 */
final class Llama3RopeFactors {
  private Llama3RopeFactors() {}

  static float[] of(ModelConfig c) {
    ModelConfig.RopeScaling s = c.ropeScaling();
    int pairs = c.headDim() / 2;
    double lowFreqWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
    double highFreqWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
    float[] factors = new float[pairs];
    for (int i = 0; i < pairs; i++) {
      double freq = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim());
      double wavelen = 2 * Math.PI / freq;
      if (wavelen < highFreqWavelen) {
        factors[i] = 1.0f;
      } else if (wavelen > lowFreqWavelen) {
        factors[i] = (float) s.factor();
      } else {
        double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        factors[i] = (float) (1 / ((1 - smooth) / s.factor() + smooth));
      }
    }
    return factors;
  }
}
