package dev.ember.model.gguf;

/**
 * The row order llama.cpp's converter gives the q/k projections of {@code llama} GGUF files, so
 * that RoPE on adjacent pairs (2i, 2i+1) equals HF's rotate-half on (i, i + d/2): within each head
 * of {@code d} rows, new row {@code 2i} is old row {@code i} and new row {@code 2i+1} is old row
 * {@code i + d/2}.
 *
 * <pre>{@code long hfRow = QkPermutation.hfRow(ggufRow, headDim); }</pre>
 */
public final class QkPermutation {
  private QkPermutation() {}

  /** The HF row stored at GGUF row {@code row}. */
  public static long hfRow(long row, int headDim) {
    long head = row / headDim;
    int w = (int) (row % headDim);
    return head * headDim + ((w & 1) == 0 ? w / 2 : w / 2 + headDim / 2);
  }

  /** HF-order rows from GGUF-order rows of a {@code [rows, cols]} matrix. */
  public static float[] toHf(float[] gguf, int rows, int cols, int headDim) {
    float[] hf = new float[gguf.length];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(gguf, r * cols, hf, (int) hfRow(r, headDim) * cols, cols);
    }
    return hf;
  }
}
