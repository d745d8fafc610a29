package dev.ember.model.create;

import dev.ember.model.Architecture;
import dev.ember.model.DType;
import dev.ember.model.ModelConfig;
import dev.ember.model.ModelFormat;
import dev.ember.model.TensorSink;
import dev.ember.model.TensorSource;
import dev.ember.model.WeightLayout;
import dev.ember.model.gguf.GgufMetadata;
import dev.ember.model.gguf.GgufNames;
import dev.ember.model.gguf.GgufWriter;
import dev.ember.model.gguf.QkPermutation;
import dev.ember.model.hf.HfConfig;
import dev.ember.model.quant.TensorCodec;
import dev.ember.model.safetensors.SafetensorsWriter;
import dev.ember.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleConsumer;

/**
 * Writes a model of a {@link ModelShape} with deterministic random weights ({@link WeightGenerator}):
 * an HF directory (config.json, generation_config.json, safetensors; tokenizer files are the
 * caller's) or one GGUF file with the vocabulary in its metadata. GGUF {@code llama} files get
 * llama.cpp's q/k row permutation, so both formats describe the same model. Values are generated
 * and encoded in chunks straight into the file; nothing per value is allocated.
 *
 * <pre>{@code Path model = ModelCreator.create(options, vocabulary, outDir, fraction -> bar.set(fraction)); }</pre>
 */
public final class ModelCreator {
  private static final int CHUNK_VALUES = 1 << 20;

  private ModelCreator() {}

  /**
   * Creates the model in {@code outDir} (created if needed) and returns what {@code ModelFiles.open}
   * takes: the directory for HF, the {@code <shape>-<dtype>.gguf} file for GGUF.
   *
   * @param progress called with the fraction of bytes written, from 0 to 1
   */
  public static Path create(CreateOptions o, Vocabulary vocabulary, Path outDir, DoubleConsumer progress) throws IOException {
    ModelConfig config = o.shape().config(vocabulary.bosTokenId(), vocabulary.eosTokenId() >= 0 ? List.of(vocabulary.eosTokenId()) : List.of());
    if (vocabulary.tokens().size() > config.vocabSize()) {
      throw new IllegalArgumentException("vocabulary of " + vocabulary.tokens().size() + " tokens does not fit " + o.shape() + "'s vocab size " + config.vocabSize());
    }
    Files.createDirectories(outDir);
    List<WeightLayout.Entry> entries = WeightLayout.of(config).entries();
    Progress done = new Progress(progress);
    List<TensorSource> tensors = new ArrayList<>();
    if (o.format() == ModelFormat.HF) {
      for (WeightLayout.Entry e : entries) {
        tensors.add(source(e, e.name(), o.dtype(), o.seed(), 0, done));
      }
      done.total = totalBytes(tensors);
      HfConfig.write(config, o.dtype(), outDir);
      SafetensorsWriter.write(outDir, tensors, o.maxShardBytes());
      progress.accept(1.0);
      return outDir;
    }
    boolean permute = config.architecture() == Architecture.LLAMA;
    if (config.ropeScaling() != null) {
      tensors.add(TensorSource.of(GgufNames.ROPE_FREQS, DType.F32, new long[] {config.headDim() / 2}, Llama3RopeFactors.of(config)));
    }
    for (WeightLayout.Entry e : entries) {
      boolean qk = e.name().endsWith("q_proj.weight") || e.name().endsWith("k_proj.weight");
      DType dtype = e.matrix() ? o.dtype() : DType.F32;
      tensors.add(source(e, GgufNames.toGguf(e.name()), dtype, o.seed(), permute && qk ? config.headDim() : 0, done));
    }
    done.total = totalBytes(tensors);
    Path file = outDir.resolve(o.shape().id() + "-" + o.dtype() + ".gguf");
    GgufWriter.write(file, GgufMetadata.of(config, vocabulary, o.dtype(), o.shape().id()), tensors);
    progress.accept(1.0);
    return file;
  }

  /**
   * A tensor streamed row-chunk by row-chunk; with {@code permuteHeadDim > 0} row {@code r} holds
   * the values of HF row {@link QkPermutation#hfRow}.
   */
  private static TensorSource source(WeightLayout.Entry e, String name, DType dtype, long seed, int permuteHeadDim, Progress done) {
    long[] shape = e.shape();
    int cols = (int) shape[shape.length - 1];
    long rows = e.elements() / cols;
    WeightGenerator gen = WeightGenerator.of(seed, e.name());
    return new TensorSource(name, dtype, shape, sink -> {
      int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_VALUES / cols));
      float[] values = new float[chunkRows * cols];
      ByteBuffer bytes = ByteBuffer.allocateDirect((int) dtype.bytes((long) chunkRows * cols)).order(ByteOrder.LITTLE_ENDIAN);
      for (long r0 = 0; r0 < rows; r0 += chunkRows) {
        int n = (int) Math.min(chunkRows, rows - r0);
        for (int i = 0; i < n; i++) {
          long row = permuteHeadDim > 0 ? QkPermutation.hfRow(r0 + i, permuteHeadDim) : r0 + i;
          gen.fill(values, i * cols, cols, row * cols);
        }
        bytes.clear();
        TensorCodec.encode(dtype, values, 0, n * cols, bytes);
        write(sink, bytes.flip(), done);
      }
    });
  }

  private static void write(TensorSink sink, ByteBuffer bytes, Progress done) throws IOException {
    int n = bytes.remaining();
    sink.write(bytes);
    done.add(n);
  }

  private static long totalBytes(List<TensorSource> tensors) {
    long total = 0;
    for (TensorSource t : tensors) {
      total += t.byteLength();
    }
    return total;
  }

  /** Bytes written so far, reported as a fraction at most every 1/1000. */
  private static final class Progress {
    private final DoubleConsumer listener;
    private long total = 1;
    private long written;
    private long lastReported = -1;

    Progress(DoubleConsumer listener) {
      this.listener = listener;
    }

    void add(long n) {
      written += n;
      long permille = written * 1000 / total;
      if (permille != lastReported) {
        lastReported = permille;
        listener.accept(Math.min(1.0, written / (double) total));
      }
    }
  }
}
