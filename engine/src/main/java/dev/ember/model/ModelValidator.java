package dev.ember.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a file's tensors against what a {@link ModelConfig} requires: each required tensor
 * present once, nothing unexpected, exact shapes, byte lengths matching shape and dtype,
 * quantized rows in whole 32-value blocks, and data inside its file. {@code lm_head.weight} in a
 * tied model and HF's saved {@code rotary_emb.inv_freq} buffers are tolerated and dropped.
 *
 * <pre>{@code List<TensorInfo> ok = ModelValidator.validate(config, tensors); }</pre>
 */
public final class ModelValidator {
  private ModelValidator() {}

  /** The required tensors in {@link WeightLayout} order; throws on the first problem found. */
  public static List<TensorInfo> validate(ModelConfig config, List<TensorInfo> tensors) throws IOException {
    WeightLayout layout = WeightLayout.of(config);
    Map<String, TensorInfo> byName = new LinkedHashMap<>();
    for (TensorInfo t : tensors) {
      if (layout.get(t.name()) == null) {
        if (t.name().equals(WeightLayout.LM_HEAD) && config.tieWordEmbeddings() || t.name().endsWith(".rotary_emb.inv_freq")) {
          continue;
        }
        throw ModelFormatException.in(t.file(), "unexpected tensor " + t.name());
      }
      if (byName.put(t.name(), t) != null) {
        throw ModelFormatException.in(t.file(), "duplicate tensor " + t.name());
      }
    }
    Path anyFile = tensors.isEmpty() ? null : tensors.get(0).file();
    Map<Path, Long> sizes = new HashMap<>();
    List<TensorInfo> out = new ArrayList<>();
    for (WeightLayout.Entry e : layout.entries()) {
      TensorInfo t = byName.get(e.name());
      if (t == null) {
        throw new ModelFormatException("missing tensor " + e.name() + (anyFile == null ? "" : " in " + anyFile));
      }
      if (!Arrays.equals(t.shape(), e.shape())) {
        throw ModelFormatException.in(t.file(), "tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.shape()));
      }
      if (t.dtype().quantized() && t.cols() % DType.BLOCK != 0) {
        throw ModelFormatException.in(t.file(), "tensor " + t.name() + " is " + t.dtype() + " but its rows of " + t.cols() + " values are not whole 32-value blocks");
      }
      long expected = t.dtype().bytes(t.elements());
      if (t.byteLength() != expected) {
        throw ModelFormatException.in(t.file(), "tensor " + t.name() + " has " + t.byteLength() + " bytes, expected " + expected + " for " + t.dtype() + Arrays.toString(t.shape()));
      }
      long size = sizes.computeIfAbsent(t.file(), ModelValidator::size);
      if (t.offset() + t.byteLength() > size) {
        throw new ModelFormatException("truncated: tensor " + t.name() + " needs bytes [" + t.offset() + ", " + (t.offset() + t.byteLength()) + ") but " + t.file() + " has " + size + " bytes");
      }
      out.add(t);
    }
    return out;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
