package dev.ember.runner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The content identity of one model file: SHA-256 of its bytes. Hashing gigabytes at every start would
 * cost seconds, so the digest is remembered in a sidecar file ({@code <name>.sha256} in the cache
 * directory) together with the file's size and modification time; while both are unchanged the sidecar
 * is trusted, and any change (a rewritten or replaced file) makes the next start hash again.
 *
 * <pre>{@code byte[] id = SourceDigest.of(Path.of("model.safetensors"), cacheDir); }</pre>
 */
final class SourceDigest {
  private static final int BUFFER = 8 << 20;

  private SourceDigest() {}

  /** The file's SHA-256, from the sidecar in {@code sidecarDir} when still valid, else hashed (and the sidecar written). */
  static byte[] of(Path file, Path sidecarDir) throws IOException {
    long size = Files.size(file);
    long mtime = Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS);
    String stamp = size + " " + mtime + " ";
    Path sidecar = sidecarDir.resolve(file.getFileName() + ".sha256");
    if (Files.isRegularFile(sidecar)) {
      String line = Files.readString(sidecar, StandardCharsets.US_ASCII).strip();
      if (line.startsWith(stamp) && line.length() == stamp.length() + 64) {
        return HexFormat.of().parseHex(line.substring(stamp.length()));
      }
    }
    byte[] digest = hash(file);
    Files.createDirectories(sidecarDir);
    Path tmp = Files.createTempFile(sidecarDir, sidecar.getFileName().toString(), ".tmp");
    Files.writeString(tmp, stamp + HexFormat.of().formatHex(digest) + "\n", StandardCharsets.US_ASCII);
    Files.move(tmp, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return digest;
  }

  static byte[] hash(Path file) throws IOException {
    MessageDigest sha = sha256();
    ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (ch.read(buf) >= 0) {
        buf.flip();
        sha.update(buf);
        buf.clear();
      }
    }
    return sha.digest();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
