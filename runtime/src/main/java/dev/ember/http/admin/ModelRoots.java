package dev.ember.http.admin;

import dev.ember.function.FunctionManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories model paths deployed over the admin API must be under ({@code --model-root}), compared
 * as real paths so neither {@code ..} nor a symbolic link leads outside. With no root every path is
 * allowed; the built-in demo model always is. The answer is the same whether a path is missing, a file
 * or a directory, so it tells a client nothing about the disk.
 *
 * <pre>{@code new ModelRoots(List.of(Path.of("/models"))).allows("/models/qwen") }</pre>
 */
final class ModelRoots {
  private final List<Path> roots;

  /** @throws IllegalArgumentException when a root is not an existing directory */
  ModelRoots(List<Path> configured) {
    List<Path> real = new ArrayList<>();
    for (Path root : configured) {
      try {
        if (!Files.isDirectory(root)) {
          throw new IllegalArgumentException("model root " + root + " is not a directory");
        }
        real.add(root.toRealPath());
      } catch (IOException e) {
        throw new IllegalArgumentException("model root " + root + " cannot be resolved: " + e.getMessage(), e);
      }
    }
    this.roots = List.copyOf(real);
  }

  boolean allows(String modelPath) {
    if (roots.isEmpty() || FunctionManifest.ModelSpec.EMBEDDED_DEMO.equals(modelPath)) {
      return true;
    }
    Path resolved;
    try {
      resolved = canonical(Path.of(modelPath).toAbsolutePath().normalize());
    } catch (InvalidPathException | IOException e) {
      return false;
    }
    for (Path root : roots) {
      if (resolved.startsWith(root) && !resolved.equals(root)) {
        return true;
      }
    }
    return false;
  }

  /** The real path of the longest existing ancestor, with the rest appended (links resolved where they exist). */
  private static Path canonical(Path p) throws IOException {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return p;
    }
    return existing.toRealPath().resolve(existing.relativize(p));
  }
}
