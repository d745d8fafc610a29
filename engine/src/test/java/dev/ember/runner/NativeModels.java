package dev.ember.runner;

import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.model.TensorInfo;
import dev.ember.model.TensorValues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/** Test helpers: load a model file set natively, run whole prompts with logits for every position, reference weights. */
final class NativeModels {
  private NativeModels() {}

  static NativeModel load(ModelFiles files, DType dtype, int threads) throws IOException {
    return NativeModel.load(files, LoadOptions.defaults().withDtype(dtype).withThreads(threads).withMaxBatchTokens(256));
  }

  /** Runs the prompt as one prefill step of a fresh sequence and returns the logits of every position. */
  static float[][] allLogits(NativeModel model, int[] prompt, DType kvDtype) throws IOException {
    int vocab = model.config().vocabSize();
    try (KvCacheMemory kv = KvCacheMemory.allocate(model, 20, 16, kvDtype);
        ModelRunner runner = new ModelRunner(model, kv, prompt.length, 256)) {
      StepBuffers b = runner.buffers();
      for (int i = 0; i < prompt.length; i++) {
        b.tokenIds.put(i, prompt[i]);
        b.positions.put(i, i);
        b.slotMapping.put(i, 16 + i);
        b.logitsIndices.put(i, i);
      }
      b.queryStart.put(0, 0).put(1, prompt.length);
      b.contextLens.put(0, prompt.length);
      for (int j = 0; j < b.maxBlocksPerSeq(); j++) {
        b.blockTables.put(j, 1 + j);
      }
      // one sequence, but logits for all of its tokens: the runner allows up to maxSeqs logits rows
      runner.forward(prompt.length, 1, prompt.length);
      return rows(b.logits, prompt.length, vocab);
    }
  }

  static float[][] rows(FloatBuffer logits, int n, int vocab) {
    float[][] out = new float[n][vocab];
    for (int r = 0; r < n; r++) {
      logits.get(r * vocab, out[r], 0, vocab);
    }
    return out;
  }

  /** Dequantized weights by canonical name, as float64, for {@link ReferenceForward}. */
  static Map<String, double[]> referenceWeights(ModelFiles files) {
    Map<String, double[]> w = new HashMap<>();
    for (TensorInfo t : files.tensors()) {
      try {
        float[] v = TensorValues.read(t);
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
          d[i] = v[i];
        }
        w.put(t.name(), d);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return w;
  }

  /** max |a - b| over max |b|: the error relative to the row's largest logit. */
  static double relativeError(float[] a, double[] b) {
    double maxDiff = 0;
    double maxRef = 1e-30;
    for (int i = 0; i < b.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      maxRef = Math.max(maxRef, Math.abs(b[i]));
    }
    return maxDiff / maxRef;
  }

  static double relativeError(float[] a, float[] b) {
    double[] d = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      d[i] = b[i];
    }
    return relativeError(a, d);
  }
}
