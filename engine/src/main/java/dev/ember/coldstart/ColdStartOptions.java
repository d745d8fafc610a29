package dev.ember.coldstart;

/**
 * How a function's warm-up and unload treat its prefix cache.
 *
 * <pre>{@code ColdStartOptions o = ColdStartOptions.defaults().withSnapshotBudgetBytes(64L << 20); }</pre>
 *
 * @param snapshots {@value #SNAPSHOTS_DOC}
 * @param snapshotBudgetBytes {@value #SNAPSHOT_BUDGET_DOC}
 */
public record ColdStartOptions(boolean snapshots, long snapshotBudgetBytes) {
  public static final boolean DEFAULT_SNAPSHOTS = true;
  public static final String SNAPSHOTS_DOC = "Save the hottest prefix-cache blocks to local disk on unload and"
      + " restore them on the next warm-up.";
  public static final long DEFAULT_SNAPSHOT_BUDGET_BYTES = 256L << 20;
  public static final String SNAPSHOT_BUDGET_DOC = "Most K/V bytes a prefix snapshot holds (pinned prefixes first,"
      + " then the most-hit blocks).";

  public ColdStartOptions {
    if (snapshotBudgetBytes < 0) {
      throw new IllegalArgumentException("snapshotBudgetBytes must be >= 0, got " + snapshotBudgetBytes);
    }
  }

  public static ColdStartOptions defaults() {
    return new ColdStartOptions(DEFAULT_SNAPSHOTS, DEFAULT_SNAPSHOT_BUDGET_BYTES);
  }

  public ColdStartOptions withSnapshots(boolean enabled) {
    return new ColdStartOptions(enabled, snapshotBudgetBytes);
  }

  public ColdStartOptions withSnapshotBudgetBytes(long bytes) {
    return new ColdStartOptions(snapshots, bytes);
  }
}
