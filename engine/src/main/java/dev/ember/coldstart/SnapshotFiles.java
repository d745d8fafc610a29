package dev.ember.coldstart;

import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.runner.WeightCache;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a function's prefix snapshot lives and what it must match: the file sits in the configured
 * snapshot directory or else the model's cache directory ({@link WeightCache#directoryFor}); the model
 * key combines the weights' identity as loaded ({@link WeightCache#modelKey}) with the KV cache type.
 *
 * <pre>{@code Path f = SnapshotFiles.file(files, "chat"); String key = SnapshotFiles.modelKey(files, DType.Q8_0, DType.F16); }</pre>
 */
public final class SnapshotFiles {
  static final String PREFIX = "prefix-";
  static final String SUFFIX = ".kvsnap";

  private SnapshotFiles() {}

  /** {@code <model cache dir>/prefix-<function>.kvsnap}. */
  public static Path file(ModelFiles files, String function) throws IOException {
    return file(files, function, null);
  }

  /** {@code <directory, or the model cache dir when null>/prefix-<function>.kvsnap}. */
  public static Path file(ModelFiles files, String function, Path directory) throws IOException {
    Path dir = directory != null ? directory : WeightCache.directoryFor(files, null);
    return dir.resolve(PREFIX + function + SUFFIX);
  }

  /** The key snapshots of this model are written and checked under. */
  public static String modelKey(ModelFiles files, DType loadType, DType kvType) throws IOException {
    return WeightCache.modelKey(files, loadType, null) + "/kv-" + kvType;
  }
}
