package dev.ember.coldstart;

import dev.ember.engine.Engine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@link KvConnector} of one local {@link PrefixSnapshot} file: saves the hottest prefixes (pinned
 * first, then most-hit; whole chains) to it and restores them from it.
 *
 * <pre>{@code
 * KvConnector c = new PrefixSnapshotConnector(SnapshotFiles.file(files, name, dir), modelKey);
 * }</pre>
 */
public final class PrefixSnapshotConnector implements KvConnector {
  private final Path file;
  private final String modelKey;

  /**
   * @param file the snapshot file
   * @param modelKey identity of the weights and KV type the blocks are computed with
   */
  public PrefixSnapshotConnector(Path file, String modelKey) {
    this.file = Objects.requireNonNull(file, "file");
    this.modelKey = Objects.requireNonNull(modelKey, "modelKey");
  }

  public Path file() {
    return file;
  }

  @Override
  public PrefixSnapshot.Summary save(Engine engine, long budgetBytes) throws IOException {
    return engine.exportKvBlocks((kv, memory) -> {
      int maxBlocks = (int) Math.min(Integer.MAX_VALUE, budgetBytes / memory.blockBytes());
      return PrefixSnapshot.save(file, PrefixSnapshot.Header.of(modelKey, kv, memory), kv.hottestBlocks(maxBlocks),
          memory);
    });
  }

  @Override
  public PrefixSnapshot.Summary load(Engine engine) throws IOException {
    return engine.importKvBlocks((kv, memory) ->
        PrefixSnapshot.restore(file, PrefixSnapshot.Header.of(modelKey, kv, memory), kv, memory));
  }
}
