package dev.ember.coldstart;

import dev.ember.kv.BlockHasher;
import dev.ember.kv.CachedBlock;
import dev.ember.kv.KvCacheManager;
import dev.ember.runner.KvCacheMemory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.bytedeco.javacpp.BytePointer;

/**
 * A prefix-cache snapshot on local disk: the hottest cached KV blocks of a model with everything needed
 * to trust them again after a cold start. Layout (big-endian):
 * <pre>
 * "EMBERKV1"  int version  UTF modelKey  UTF hashScheme  byte[32] seedHash  int blockSize  long blockBytes
 * int count, then per block: byte[32] hash, byte hasParent, [byte[32] parentHash], byte pinned, int hits,
 *   int[blockSize] tokens
 * count x blockBytes of K/V contents (ember_kv_read_block layout), in the same order
 * int crc32c of every byte before it
 * </pre>
 * Restoring checks the CRC, then that model key, scheme, seed hash, block size and block bytes all equal
 * the running engine's ({@link SnapshotMismatchException} otherwise), then re-derives each non-first
 * block's hash from its parent and tokens. Writes go to a temporary file renamed into place.
 *
 * <pre>{@code
 * PrefixSnapshot.save(file, header, kv.hottestBlocks(maxBlocks), memory);
 * PrefixSnapshot.restore(file, header, kv, memory);
 * }</pre>
 */
public final class PrefixSnapshot {
  static final byte[] MAGIC = "EMBERKV1".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  private static final int H = BlockHasher.HASH_BYTES;

  private PrefixSnapshot() {}

  /**
   * What a snapshot must match to be restored.
   *
   * @param modelKey identity of the weights as used and the KV type (e.g. {@code WeightCache.modelKey} + kv dtype)
   * @param seedHash the block hash chain's seed hash ({@link KvCacheManager#seedHash()})
   */
  public record Header(String modelKey, byte[] seedHash, int blockSize, long blockBytes) {
    /** The header of a running cache. */
    public static Header of(String modelKey, KvCacheManager kv, KvCacheMemory memory) {
      return new Header(modelKey, kv.seedHash(), memory.blockSize(), memory.blockBytes());
    }
  }

  /** Blocks written or restored, their K/V bytes, and how many belong to pinned prefixes. */
  public record Summary(int blocks, long bytes, int pinnedBlocks) {}

  /** Writes the blocks' metadata and contents (read from {@code memory}) atomically to {@code file}. */
  public static Summary save(Path file, Header header, List<CachedBlock> blocks, KvCacheMemory memory)
      throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
    int pinned = 0;
    try (OutputStream raw = Files.newOutputStream(tmp);
        CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 20), new CRC32C());
        BytePointer buf = new BytePointer(header.blockBytes())) {
      DataOutputStream out = new DataOutputStream(checked);
      out.write(MAGIC);
      out.writeInt(VERSION);
      out.writeUTF(header.modelKey());
      out.writeUTF(BlockHasher.SCHEME);
      out.write(header.seedHash());
      out.writeInt(header.blockSize());
      out.writeLong(header.blockBytes());
      out.writeInt(blocks.size());
      for (CachedBlock b : blocks) {
        out.write(b.hash());
        out.writeBoolean(b.parentHash() != null);
        if (b.parentHash() != null) {
          out.write(b.parentHash());
        }
        out.writeBoolean(b.pinned());
        out.writeInt(b.hits());
        for (int t : b.tokens()) {
          out.writeInt(t);
        }
        pinned += b.pinned() ? 1 : 0;
      }
      byte[] chunk = new byte[(int) Math.min(header.blockBytes(), 1 << 20)];
      for (CachedBlock b : blocks) {
        memory.readBlock(b.block(), buf.address());
        ByteBuffer view = buf.position(0).limit(header.blockBytes()).asByteBuffer();
        while (view.hasRemaining()) {
          int n = Math.min(chunk.length, view.remaining());
          view.get(chunk, 0, n);
          out.write(chunk, 0, n);
        }
      }
      out.flush();
      int crc = (int) checked.getChecksum().getValue();
      new DataOutputStream(raw).writeInt(crc);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return new Summary(blocks.size(), blocks.size() * header.blockBytes(), pinned);
  }

  /**
   * Restores a snapshot written for {@code expected} into the cache as cached free blocks (see
   * {@link KvCacheManager#restore}); returns what was restored. Throws {@link SnapshotMismatchException}
   * when it was written for other weights, seed or block layout, and IOException when corrupt.
   */
  public static Summary restore(Path file, Header expected, KvCacheManager kv, KvCacheMemory memory)
      throws IOException {
    verifyChecksum(file);
    List<CachedBlock> blocks = new ArrayList<>();
    long dataStart;
    try (InputStream raw = Files.newInputStream(file)) {
      CountingInput counting = new CountingInput(new BufferedInputStream(raw, 1 << 16));
      DataInputStream in = new DataInputStream(counting);
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC) || in.readInt() != VERSION) {
        throw new IOException(file + " is not an Ember prefix snapshot of version " + VERSION);
      }
      String modelKey = in.readUTF();
      String scheme = in.readUTF();
      byte[] seedHash = in.readNBytes(H);
      int blockSize = in.readInt();
      long blockBytes = in.readLong();
      if (!modelKey.equals(expected.modelKey())) {
        throw new SnapshotMismatchException(file, "model key " + modelKey + ", expected " + expected.modelKey());
      }
      if (!scheme.equals(BlockHasher.SCHEME) || !Arrays.equals(seedHash, expected.seedHash())) {
        throw new SnapshotMismatchException(file, "hash scheme " + scheme + " or hash seed differs");
      }
      if (blockSize != expected.blockSize() || blockBytes != expected.blockBytes()) {
        throw new SnapshotMismatchException(file, "block size " + blockSize + " / " + blockBytes
            + " bytes, expected " + expected.blockSize() + " / " + expected.blockBytes());
      }
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        byte[] hash = in.readNBytes(H);
        byte[] parent = in.readBoolean() ? in.readNBytes(H) : null;
        boolean pinned = in.readBoolean();
        int hits = in.readInt();
        int[] tokens = new int[blockSize];
        for (int k = 0; k < blockSize; k++) {
          tokens[k] = in.readInt();
        }
        blocks.add(new CachedBlock(-1, hash, parent, tokens, pinned, hits));
      }
      dataStart = counting.count;
    }
    if (Files.size(file) != dataStart + blocks.size() * expected.blockBytes() + 4) {
      throw new IOException(file + " has the wrong size for " + blocks.size() + " blocks");
    }
    long blockBytes = expected.blockBytes();
    int[] restored;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        BytePointer buf = new BytePointer(blockBytes)) {
      restored = kv.restore(blocks, (index, block) -> {
        ByteBuffer view = buf.position(0).limit(blockBytes).asByteBuffer();
        try {
          for (long pos = dataStart + index * blockBytes; view.hasRemaining(); ) {
            int n = ch.read(view, pos + view.position());
            if (n < 0) {
              throw new IOException(file + " ends inside block " + index);
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        memory.writeBlock(block, buf.address());
      });
    }
    int pinned = 0;
    for (int i : restored) {
      pinned += blocks.get(i).pinned() ? 1 : 0;
    }
    return new Summary(restored.length, restored.length * blockBytes, pinned);
  }

  /**
   * What a snapshot holds, for routing: the 64-bit keys ({@link BlockHasher#key64}) of its blocks and of
   * those among them that start a chain (stored without a parent), with the block size and seed hash they
   * were computed under. Read from the metadata alone; nothing is verified beyond the format.
   */
  public record BlockKeys(int blockSize, byte[] seedHash, long[] keys, long[] chainStarts) {}

  /** Reads a snapshot's {@link BlockKeys} without touching its K/V contents. */
  public static BlockKeys blockKeys(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC) || in.readInt() != VERSION) {
        throw new IOException(file + " is not an Ember prefix snapshot of version " + VERSION);
      }
      in.readUTF();
      in.readUTF();
      byte[] seedHash = in.readNBytes(H);
      int blockSize = in.readInt();
      in.readLong();
      int count = in.readInt();
      if (count < 0 || blockSize <= 0) {
        throw new IOException(file + " says it holds " + count + " blocks of " + blockSize + " tokens");
      }
      long[] keys = new long[count];
      long[] starts = new long[count];
      int chainStarts = 0;
      byte[] hash = new byte[H];
      for (int i = 0; i < count; i++) {
        in.readFully(hash);
        keys[i] = BlockHasher.key64(hash, 0);
        if (in.readBoolean()) {
          in.skipNBytes(H);
        } else {
          starts[chainStarts++] = keys[i];
        }
        in.skipNBytes(1 + 4 + 4L * blockSize);
      }
      return new BlockKeys(blockSize, seedHash, keys, Arrays.copyOf(starts, chainStarts));
    }
  }

  private static void verifyChecksum(Path file) throws IOException {
    long size = Files.size(file);
    if (size < MAGIC.length + 4) {
      throw new IOException(file + " is truncated");
    }
    CRC32C crc = new CRC32C();
    try (InputStream in = new CheckedInputStream(Files.newInputStream(file), crc)) {
      byte[] buf = new byte[1 << 20];
      for (long left = size - 4; left > 0; ) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException(file + " is truncated");
        }
        left -= n;
      }
      if ((int) crc.getValue() != new DataInputStream(in).readInt()) {
        throw new IOException(file + " is corrupt (checksum mismatch)");
      }
    }
  }

  /** Counts bytes read, to find where the K/V contents start. */
  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count += b >= 0 ? 1 : 0;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count += Math.max(n, 0);
      return n;
    }
  }
}
