package dev.ember.runner;

import dev.ember.model.DType;
import dev.ember.model.ModelFiles;
import dev.ember.model.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The converted-weights cache (ServerlessLLM's loading-optimized checkpoint): a model whose files need
 * conversion at load (bf16/f16 safetensors loaded as q8_0/q4_0, say) is converted once into a
 * {@link WeightCacheFile}; later starts map that file and use it in place, converting nothing.
 *
 * <p>Where: {@code <model dir>/.ember-cache/} (the HF directory, or the directory of a .gguf), or, when
 * that is not writable or a directory is configured, {@code <configured or ~/.cache/ember>/<16 hex of
 * the model path's SHA-256>/}. Key: SHA-256 over the cache format version, the load type and each source
 * file's content SHA-256 ({@link SourceDigest}, remembered per size + mtime), so a replaced source or
 * another load type never matches. A file that fails any check is rebuilt, never trusted.
 *
 * <pre>{@code WeightCache.Loaded w = WeightCache.load(files, DType.Q8_0, threads, null, phases); }</pre>
 */
public final class WeightCache {
  /** Name of the cache directory next to a model. */
  public static final String DIR_NAME = ".ember-cache";
  private static final Logger LOG = Logger.getLogger(WeightCache.class.getName());

  private WeightCache() {}

  /**
   * Tensors to load from the cache file.
   *
   * @param converted tensors converted by this call (0 when the cache was used as is)
   */
  record Loaded(Path file, List<TensorInfo> tensors, boolean hit, int converted) {}

  /** The cache directory of a model: configured (may be null for next to the model) as described above. */
  public static Path directoryFor(ModelFiles files, Path configured) throws IOException {
    Path source = files.source().toAbsolutePath().normalize();
    Path modelDir = Files.isDirectory(source) ? source : source.getParent();
    if (configured == null) {
      Path local = modelDir.resolve(DIR_NAME);
      if (Files.isDirectory(local) ? Files.isWritable(local) : Files.isWritable(modelDir)) {
        return local;
      }
      configured = Path.of(System.getProperty("user.home"), ".cache", "ember");
    }
    String id = HexFormat.of().formatHex(SourceDigest.sha256().digest(
        source.toString().getBytes(StandardCharsets.UTF_8)), 0, 8);
    return configured.resolve(id);
  }

  /**
   * Identity of a model's weights as used: hex SHA-256 over the format version, the load type
   * ({@code null} for the files' own types) and the source files' contents. Equal keys mean equal
   * weights, hence interchangeable KV contents; prefix snapshots are keyed by it.
   */
  public static String modelKey(ModelFiles files, DType dtype, Path configuredDir) throws IOException {
    return HexFormat.of().formatHex(key(files, dtype, directoryFor(files, configuredDir)));
  }

  /** Maps the model through its cache, building (or rebuilding) the cache file when needed. */
  static Loaded load(ModelFiles files, DType target, int threads, Path configuredDir, Map<String, Long> phases)
      throws IOException {
    long t0 = System.nanoTime();
    Path dir = directoryFor(files, configuredDir);
    byte[] key = key(files, target, dir);
    Path file = dir.resolve("weights-" + target + ".ember");
    long t1 = System.nanoTime();
    phases.put("hash", t1 - t0);
    if (Files.isRegularFile(file)) {
      try {
        List<TensorInfo> tensors = WeightCacheFile.read(file, key, threads);
        phases.put("read", System.nanoTime() - t1);
        return new Loaded(file, tensors, true, 0);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "rebuilding weight cache: " + e.getMessage());
      }
    }
    long t2 = System.nanoTime();
    Map<Path, long[]> sources = new LinkedHashMap<>();
    int converted;
    try {
      NativeModel.mapFiles(files.tensors(), sources);
      converted = WeightCacheFile.write(file, key, files.tensors(), sources, target, threads);
    } finally {
      NativeModel.unmapAll(sources);
    }
    long t3 = System.nanoTime();
    phases.put("convert", t3 - t2);
    List<TensorInfo> tensors = WeightCacheFile.read(file, key, threads);
    phases.put("read", System.nanoTime() - t3);
    return new Loaded(file, tensors, false, converted);
  }

  private static byte[] key(ModelFiles files, DType dtype, Path dir) throws IOException {
    MessageDigest sha = SourceDigest.sha256();
    sha.update(("ember-weights/" + WeightCacheFile.VERSION + "/" + (dtype == null ? "as-stored" : dtype))
        .getBytes(StandardCharsets.UTF_8));
    Set<Path> sources = new LinkedHashSet<>();
    for (TensorInfo t : files.tensors()) {
      sources.add(t.file());
    }
    for (Path p : sources) {
      sha.update(p.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      sha.update(SourceDigest.of(p, dir));
    }
    return sha.digest();
  }
}
