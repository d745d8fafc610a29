package dev.ember.worker;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.coldstart.PrefixSnapshot;
import dev.ember.coldstart.SnapshotFiles;
import dev.ember.function.DemoModel;
import dev.ember.function.FunctionManifest;
import dev.ember.kv.BlockHasher;
import dev.ember.model.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The prefix snapshot a COLD function's next load would restore, read for routing before anything is
 * loaded (a replica that starts with a function COLD and its snapshot from an earlier run on disk): the
 * same file {@link FunctionLoader} restores, its blocks' keys only, and only when it was written under
 * the manifest's block size and hash seed. Blocking file reads: call off the event loop.
 *
 * <pre>{@code PrefixSnapshot.BlockKeys k = ColdPrefix.read(manifest, coldStart); // null: none to announce }</pre>
 */
public final class ColdPrefix {
  private ColdPrefix() {}

  /** The snapshot's block keys, or null when snapshots are off, there is none, or it does not match. */
  public static PrefixSnapshot.BlockKeys read(FunctionManifest m, ColdStartOptions coldStart) throws IOException {
    if (!coldStart.snapshots() || !m.engine().enablePrefixCaching()) {
      return null;
    }
    Path model = FunctionManifest.ModelSpec.EMBEDDED_DEMO.equals(m.model().path()) ? DemoModel.ensure()
        : Path.of(m.model().path());
    Path file = SnapshotFiles.file(ModelFiles.open(model), FunctionLoader.snapshotName(m, coldStart),
        coldStart.snapshotDirectory());
    if (!Files.isRegularFile(file)) {
      return null;
    }
    PrefixSnapshot.BlockKeys keys = PrefixSnapshot.blockKeys(file);
    if (keys.blockSize() != m.engine().blockSize()
        || !Arrays.equals(keys.seedHash(), new BlockHasher(m.engine().hashSeed()).seedHash())) {
      return null;
    }
    return keys;
  }
}
