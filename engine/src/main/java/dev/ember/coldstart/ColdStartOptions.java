package dev.ember.coldstart;

import java.nio.file.Path;

/**
 * How a function's warm-up and unload treat its prefix cache, and how much disk the snapshots may take.
 *
 * <pre>{@code ColdStartOptions o = ColdStartOptions.defaults().withSnapshotBudgetBytes(64L << 20); }</pre>
 *
 * @param snapshots {@value #SNAPSHOTS_DOC}
 * @param snapshotBudgetBytes {@value #SNAPSHOT_BUDGET_DOC}
 * @param snapshotDirectory {@value #SNAPSHOT_DIRECTORY_DOC}
 * @param snapshotMaxFiles {@value #SNAPSHOT_MAX_FILES_DOC}
 * @param snapshotMaxBytes {@value #SNAPSHOT_MAX_BYTES_DOC}
 * @param snapshotOwner {@value #SNAPSHOT_OWNER_DOC}
 */
public record ColdStartOptions(boolean snapshots, long snapshotBudgetBytes, Path snapshotDirectory,
    int snapshotMaxFiles, long snapshotMaxBytes, String snapshotOwner) {
  public static final boolean DEFAULT_SNAPSHOTS = true;
  public static final String SNAPSHOTS_DOC = "Save the hottest prefix-cache blocks to local disk on unload and"
      + " restore them on the next warm-up.";
  public static final long DEFAULT_SNAPSHOT_BUDGET_BYTES = 256L << 20;
  public static final String SNAPSHOT_BUDGET_DOC = "Most K/V bytes a prefix snapshot holds (pinned prefixes first,"
      + " then the most-hit blocks).";
  public static final String SNAPSHOT_DIRECTORY_DOC = "Directory of the prefix snapshots (default: the model's"
      + " cache directory).";
  public static final int DEFAULT_SNAPSHOT_MAX_FILES = 32;
  public static final String SNAPSHOT_MAX_FILES_DOC = "Most prefix snapshots kept in one directory; the least"
      + " recently used are deleted first.";
  public static final long DEFAULT_SNAPSHOT_MAX_BYTES = 2L << 30;
  public static final String SNAPSHOT_MAX_BYTES_DOC = "Most bytes the prefix snapshots of one directory take; the"
      + " least recently used are deleted first.";
  public static final String SNAPSHOT_OWNER_DOC = "Whose snapshots these are (null: this process alone): a cluster"
      + " replica's name, so replicas sharing a snapshot directory each restore and overwrite only their own.";

  public ColdStartOptions {
    if (snapshotBudgetBytes < 0) {
      throw new IllegalArgumentException("snapshotBudgetBytes must be >= 0, got " + snapshotBudgetBytes);
    }
    if (snapshotMaxFiles < 1) {
      throw new IllegalArgumentException("snapshotMaxFiles must be >= 1, got " + snapshotMaxFiles);
    }
    if (snapshotMaxBytes < 0) {
      throw new IllegalArgumentException("snapshotMaxBytes must be >= 0, got " + snapshotMaxBytes);
    }
  }

  public ColdStartOptions(boolean snapshots, long snapshotBudgetBytes) {
    this(snapshots, snapshotBudgetBytes, null, DEFAULT_SNAPSHOT_MAX_FILES, DEFAULT_SNAPSHOT_MAX_BYTES, null);
  }

  public static ColdStartOptions defaults() {
    return new ColdStartOptions(DEFAULT_SNAPSHOTS, DEFAULT_SNAPSHOT_BUDGET_BYTES);
  }

  public ColdStartOptions withSnapshots(boolean enabled) {
    return new ColdStartOptions(enabled, snapshotBudgetBytes, snapshotDirectory, snapshotMaxFiles, snapshotMaxBytes,
        snapshotOwner);
  }

  public ColdStartOptions withSnapshotBudgetBytes(long bytes) {
    return new ColdStartOptions(snapshots, bytes, snapshotDirectory, snapshotMaxFiles, snapshotMaxBytes,
        snapshotOwner);
  }

  /** Snapshots in {@code dir} (null: the model's cache directory). */
  public ColdStartOptions withSnapshotDirectory(Path dir) {
    return new ColdStartOptions(snapshots, snapshotBudgetBytes, dir, snapshotMaxFiles, snapshotMaxBytes, snapshotOwner);
  }

  /** Snapshots owned by {@code owner} (a cluster replica's name; null: this process alone). */
  public ColdStartOptions withSnapshotOwner(String owner) {
    return new ColdStartOptions(snapshots, snapshotBudgetBytes, snapshotDirectory, snapshotMaxFiles, snapshotMaxBytes,
        owner);
  }

  /** At most {@code files} snapshots and {@code bytes} bytes per directory. */
  public ColdStartOptions withSnapshotLimits(int files, long bytes) {
    return new ColdStartOptions(snapshots, snapshotBudgetBytes, snapshotDirectory, files, bytes, snapshotOwner);
  }
}
