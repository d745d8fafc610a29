package dev.ember.sample.internal;

import java.util.Arrays;

/**
 * Edits individual entries of a caller's logits row and puts the original values back afterwards,
 * so bias, masks and penalties can work in place on the few tokens they touch while the row the
 * engine passed in is left as it was (for raw log-probabilities and for the caller).
 *
 * <pre>{@code
 * journal.set(row, offset, eosId, Float.NEGATIVE_INFINITY);
 * ... choose a token ...
 * journal.restore(row, offset);
 * }</pre>
 */
public final class LogitsJournal {
  private int[] ids = new int[64];
  private float[] originals = new float[64];
  private int size;

  /** Writes {@code value} at {@code row[offset + id]}, remembering what was there. */
  public void set(float[] row, int offset, int id, float value) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
      originals = Arrays.copyOf(originals, size * 2);
    }
    ids[size] = id;
    originals[size] = row[offset + id];
    size++;
    row[offset + id] = value;
  }

  /** Undoes every {@link #set} since the last restore, latest first. */
  public void restore(float[] row, int offset) {
    for (int i = size - 1; i >= 0; i--) {
      row[offset + ids[i]] = originals[i];
    }
    size = 0;
  }
}
