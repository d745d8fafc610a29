package dev.ember.coldstart;

import java.io.IOException;
import java.nio.file.Path;

/** A prefix snapshot written for other weights, another hash seed or another block layout; never restored. */
public final class SnapshotMismatchException extends IOException {
  public SnapshotMismatchException(Path file, String why) {
    super("prefix snapshot " + file + " does not fit this engine: " + why);
  }
}
