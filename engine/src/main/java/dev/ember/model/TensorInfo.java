package dev.ember.model;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one weight tensor's bytes lie: a canonical (Hugging Face) name, its type, its shape in
 * HF order ({@code [out_features, in_features]} for matrices, {@code [n]} for vectors), and its
 * absolute byte range in a file. GGUF tensors are renamed to the HF names on read.
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long offset, long byteLength) {
  public TensorInfo {
    shape = shape.clone();
  }

  /** Total number of values. */
  public long elements() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** Rows when seen as a matrix (1 for a vector). */
  public long rows() {
    return shape.length == 1 ? 1 : shape[0];
  }

  /** Values per row (the last dimension). */
  public long cols() {
    return shape[shape.length - 1];
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape) + " @" + file.getFileName() + "+" + offset;
  }
}
