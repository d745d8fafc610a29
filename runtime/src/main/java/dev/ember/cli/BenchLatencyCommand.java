package dev.ember.cli;

import dev.ember.engine.EngineBuildOptions;
import dev.ember.engine.EngineOptions;
import dev.ember.engine.LoadedEngine;
import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.runner.DirectDecoder;
import dev.ember.runner.KvCacheMemory;
import dev.ember.runner.ModelRunner;
import dev.ember.runner.NativeModel;
import dev.ember.sched.SchedulerOptions;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench latency}: prefill and decode speed of one model on this machine, next to the
 * physical limits: decode against the weight bytes read per token over the measured memory read
 * bandwidth, prefill against the measured arithmetic peak, and what a batch of decodes costs
 * relative to one.
 */
@Command(name = "latency", mixinStandardHelpOptions = true,
    description = "Prefill and decode speed of one model against the machine's bandwidth and compute limits.")
public final class BenchLatencyCommand implements Callable<Integer> {
  @Mixin ModelOptions modelOptions;
  @Mixin KernelIsaOptions isaOptions;

  @Option(names = "--prompt-len", defaultValue = "128", description = "Prompt tokens (default ${DEFAULT-VALUE}).")
  int promptLen;

  @Option(names = "--gen", defaultValue = "64", description = "Generated tokens (default ${DEFAULT-VALUE}).")
  int gen;

  @Option(names = "--batch", defaultValue = "8", description = "Batch size for the batched-decode figure (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--repeat", defaultValue = "3", description = "Rounds of the prefill and of each decode figure; the"
      + " best round is reported, so a round slowed by other work on the machine (the JIT compiling, say) does not"
      + " count (default ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--bandwidth-bytes", defaultValue = "1073741824",
      description = "Buffer size for the read-bandwidth measurement (default ${DEFAULT-VALUE}).")
  long bandwidthBytes;

  @Override
  public Integer call() throws Exception {
    isaOptions.apply();
    int perSeq = promptLen + gen + 1;
    int blocks = batch * ((perSeq + KvCacheMemory.DEFAULT_BLOCK_SIZE - 1) / KvCacheMemory.DEFAULT_BLOCK_SIZE);
    // one block more than the sequences need: the engine's pool keeps block 0 out
    try (LoadedEngine m = modelOptions.loadEngine(Math.max(promptLen, batch), (model, tokenizer) ->
        EngineBuildOptions.ofBlocks(blocks + 1, EngineOptions.defaults(perSeq).withScheduler(
            new SchedulerOptions(batch, model.maxBatchTokens(), perSeq, SchedulerOptions.Policy.FCFS))))) {
      NativeModel model = m.model();
      model.awaitPacked();
      ModelConfig c = model.config();
      int[] prompt = new SplittableRandom(1).ints(promptLen, 0, Math.min(c.vocabSize(), 32000)).toArray();
      ModelRunner runner = m.runner();
      DirectDecoder d = DirectDecoder.contiguous(runner, batch);
      // Warm-up: touches every weight page and kernel once.
      d.prefill(0, prompt);
      decodeSteps(d, 1, 4, c.vocabSize());
      d.reset(0);

      // The compute peak is probed after each prefill round and its best counts too, so the ratio
      // compares the best of both (a single probe landing in a slow stretch of a shared machine
      // moved the ratio by a third between runs).
      boolean quantized = model.matrixDtype() != null && model.matrixDtype().quantized();
      // bf16 weights: the peak of what multiplies them (vdpbf16ps or BFMMLA where the variant has it)
      int peakKind = quantized ? 1 : model.matrixDtype() == DType.BF16 ? 2 : 0;
      boolean bf16Dot = peakKind == 2 && List.of("avx512-bf16", "neon-mmla").contains(EmberNative.ember_isa());
      String peakName = quantized ? "int8-dot" : bf16Dot ? "bf16-dot" : "f32-FMA";
      long prefillNs = Long.MAX_VALUE;
      double peak = 0;
      for (int r = 0; r < Math.max(1, repeat); r++) {
        d.reset(0);
        long t0 = System.nanoTime();
        d.prefill(0, prompt);
        prefillNs = Math.min(prefillNs, System.nanoTime() - t0);
        peak = Math.max(peak, EmberNative.ember_peak_gops(peakKind, model.threads()));
      }
      // Each decode figure: the median step of a round of gen steps after the prompt, best round of repeat.
      double single = Double.MAX_VALUE;
      double batched = Double.MAX_VALUE;
      for (int r = 0; r < Math.max(1, repeat); r++) {
        d.reset(0);
        d.prefill(0, prompt);
        single = Math.min(single, median(decodeSteps(d, 1, gen, c.vocabSize())));
      }
      for (int r = 0; r < Math.max(1, repeat); r++) {
        for (int s = 0; s < batch; s++) {
          d.reset(s);
          d.prefill(s, prompt);
        }
        batched = Math.min(batched, median(decodeSteps(d, batch, gen, c.vocabSize())));
      }

      double bandwidth = EmberNative.ember_read_bandwidth_gbs(bandwidthBytes, model.threads());
      double decodeTps = 1e9 / single;
      double boundTps = bandwidth * 1e9 / model.weightBytesPerToken();
      double prefillTps = promptLen / (prefillNs / 1e9);
      double flops = prefillFlops(c, promptLen);
      double gflops = flops / prefillNs;

      System.out.printf("model            %s (%s, %d layers, hidden %d, matrices %s)%n", m.files().source(),
          c.architecture(), c.numLayers(), c.hiddenSize(), model.matrixDtype());
      System.out.printf("machine          %s kernels, %d threads, read bandwidth %.1f GB/s%n", EmberNative.ember_isa(),
          model.threads(), bandwidth);
      System.out.printf("prefill          %d tokens in %.1f ms: %.1f tok/s, %.1f G-ops/s = %.0f%% of the measured %s peak %.1f G-ops/s%n",
          promptLen, prefillNs / 1e6, prefillTps, gflops, 100 * gflops / peak, peakName, peak);
      System.out.printf("decode (batch 1) %.2f ms/token: %.2f tok/s%n", single / 1e6, decodeTps);
      System.out.printf("decode bound     %.1f MB read per token / %.1f GB/s = %.2f tok/s; achieved %.0f%% of bound%n",
          model.weightBytesPerToken() / 1e6, bandwidth, boundTps, 100 * decodeTps / boundTps);
      System.out.printf("decode (batch %d) %.2f ms/step = %.2fx one decode step; %.1f tok/s aggregate%n", batch,
          batched / 1e6, batched / single, batch * 1e9 / batched);
    }
    return 0;
  }

  /** Runs steps decode steps over sequences 0..n-1 (greedy) and returns each step's time in ns. */
  private static long[] decodeSteps(DirectDecoder d, int n, int steps, int vocab) {
    int[] seqs = new int[n];
    int[] next = new int[n];
    for (int i = 0; i < n; i++) {
      seqs[i] = i;
      next[i] = 1 + i;
    }
    long[] times = new long[steps];
    for (int s = 0; s < steps; s++) {
      long t0 = System.nanoTime();
      FloatBuffer logits = d.decode(seqs, next);
      times[s] = System.nanoTime() - t0;
      for (int i = 0; i < n; i++) {
        next[i] = DirectDecoder.argmax(logits, i, vocab);
      }
    }
    return times;
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }

  /** Multiply-adds x2 of the matrices for every prompt token, the LM head once, and causal attention. */
  static double prefillFlops(ModelConfig c, int t) {
    long h = c.hiddenSize();
    long perLayer = h * c.qDim() + 2L * h * c.kvDim() + (long) c.qDim() * h + 3L * h * c.intermediateSize();
    double matmul = 2.0 * perLayer * c.numLayers() * t + 2.0 * h * c.vocabSize();
    double attention = 2.0 * 2.0 * c.numLayers() * c.numHeads() * c.headDim() * (t * (t + 1) / 2.0);
    return matmul + attention;
  }
}
