package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import dev.ember.model.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Ember's loading-optimized checkpoint: every forward tensor of a model already in its load type, at
 * aligned offsets of one file, so a start maps it and uses it in place. Layout (big-endian):
 * <pre>
 * "EMBERWT1"  int version  int headerLength  byte[32] key  int tensorCount
 * per tensor: UTF name, int dtype code, int rank, long[rank] shape, long offset, long length, int crc32c
 * int crc32c of the header bytes before it
 * zero padding to a 4096-byte boundary, then each tensor's bytes at its 64-byte aligned offset
 * </pre>
 * {@code key} names the source files' contents and the load type ({@link WeightCache}). Writes go to a
 * temporary file renamed into place; reads check magic, version, key, header CRC, size and every
 * tensor's CRC32C (which also brings the file into the page cache before the first forward).
 *
 * <pre>{@code List<TensorInfo> t = WeightCacheFile.read(path, key, threads); }</pre>
 */
final class WeightCacheFile {
  static final byte[] MAGIC = "EMBERWT1".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;
  private static final int DATA_ALIGN = 4096;
  private static final int TENSOR_ALIGN = 64;

  private WeightCacheFile() {}

  /** Why a cache file cannot be used: stale, truncated or corrupt. */
  static final class RejectedException extends IOException {
    RejectedException(Path file, String why) {
      super("weight cache " + file + " rejected: " + why);
    }
  }

  private record Entry(String name, DType dtype, long[] shape, long offset, long length, int crc) {}

  /**
   * Converts {@code sources} (mapped at {@code mapped.get(file)}) to {@code target} where needed,
   * copies the rest, and writes the checkpoint atomically to {@code file}. Returns how many tensors
   * were converted.
   */
  static int write(Path file, byte[] key, List<TensorInfo> sources, Map<Path, long[]> mapped, DType target,
      int threads) throws IOException {
    List<Entry> layout = new ArrayList<>();
    long offset = 0;
    for (TensorInfo t : sources) {
      DType d = TensorConverter.needsConversion(t, target) ? target : t.dtype();
      long length = d == t.dtype() ? t.byteLength() : d.bytes(t.elements());
      layout.add(new Entry(t.name(), d, t.shape(), offset, length, 0));
      offset = align(offset + length, TENSOR_ALIGN);
    }
    long dataStart = align(header(key, layout).length, DATA_ALIGN);
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    int converted = 0;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      for (int i = 0; i < sources.size(); i++) {
        TensorInfo t = sources.get(i);
        Entry e = layout.get(i);
        long src = mapped.get(t.file())[0] + t.offset();
        int crc;
        if (e.dtype() != t.dtype()) {
          long dst = TensorConverter.convert(src, t, target, threads);
          try {
            crc = writeRange(ch, dataStart + e.offset(), dst, e.length());
          } finally {
            EmberNative.ember_free(dst);
          }
          converted++;
        } else {
          crc = writeRange(ch, dataStart + e.offset(), src, e.length());
        }
        layout.set(i, new Entry(e.name(), e.dtype(), e.shape(), dataStart + e.offset(), e.length(), crc));
      }
      ByteBuffer h = ByteBuffer.wrap(header(key, layout));
      while (h.hasRemaining()) {
        ch.write(h, h.position());
      }
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return converted;
  }

  /**
   * Reads and checks a checkpoint written for {@code key}; returns its tensors (located in this file,
   * in their load types). Throws {@link RejectedException} for a stale, truncated or corrupt file.
   */
  static List<TensorInfo> read(Path file, byte[] key, int threads) throws IOException {
    List<Entry> entries;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer head = ByteBuffer.allocate(16);
      readFully(ch, head, 0);
      head.flip();
      byte[] magic = new byte[8];
      head.get(magic);
      if (!Arrays.equals(magic, MAGIC) || head.getInt() != VERSION) {
        throw new RejectedException(file, "not an Ember weight cache of version " + VERSION);
      }
      int headerLength = head.getInt();
      if (headerLength < 16 || headerLength > ch.size()) {
        throw new RejectedException(file, "header length " + headerLength + " out of range");
      }
      ByteBuffer hb = ByteBuffer.allocate(headerLength);
      readFully(ch, hb, 0);
      entries = parse(file, hb.array(), key);
      long size = ch.size();
      for (Entry e : entries) {
        if (e.offset() < headerLength || e.offset() + e.length() > size) {
          throw new RejectedException(file, "tensor " + e.name() + " lies outside the file (truncated?)");
        }
      }
      verify(file, ch, entries, threads);
    }
    List<TensorInfo> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      out.add(new TensorInfo(e.name(), e.dtype(), e.shape(), file, e.offset(), e.length()));
    }
    return out;
  }

  private static List<Entry> parse(Path file, byte[] header, byte[] key) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(header, 0, header.length - 4);
    int stored = ByteBuffer.wrap(header, header.length - 4, 4).getInt();
    if ((int) crc.getValue() != stored) {
      throw new RejectedException(file, "header checksum mismatch");
    }
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(header, 16, header.length - 20));
    byte[] fileKey = in.readNBytes(32);
    if (!Arrays.equals(fileKey, key)) {
      throw new RejectedException(file, "built from other source files or for another type (stale)");
    }
    int n = in.readInt();
    List<Entry> entries = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      int code = in.readInt();
      DType dtype = Arrays.stream(DType.values()).filter(d -> d.code() == code).findFirst()
          .orElseThrow(() -> new RejectedException(file, "unknown dtype code " + code));
      long[] shape = new long[in.readInt()];
      for (int k = 0; k < shape.length; k++) {
        shape[k] = in.readLong();
      }
      entries.add(new Entry(name, dtype, shape, in.readLong(), in.readLong(), in.readInt()));
    }
    return entries;
  }

  private static byte[] header(byte[] key, List<Entry> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(0);
    out.write(key);
    out.writeInt(entries.size());
    for (Entry e : entries) {
      out.writeUTF(e.name());
      out.writeInt(e.dtype().code());
      out.writeInt(e.shape().length);
      for (long d : e.shape()) {
        out.writeLong(d);
      }
      out.writeLong(e.offset());
      out.writeLong(e.length());
      out.writeInt(e.crc());
    }
    out.writeInt(0);
    byte[] h = bytes.toByteArray();
    ByteBuffer.wrap(h, 12, 4).putInt(h.length);
    CRC32C crc = new CRC32C();
    crc.update(h, 0, h.length - 4);
    ByteBuffer.wrap(h, h.length - 4, 4).putInt((int) crc.getValue());
    return h;
  }

  /** Checks every tensor's CRC32C on up to {@code threads} threads. */
  private static void verify(Path file, FileChannel ch, List<Entry> entries, int threads) throws IOException {
    String bad = ParallelRead.run(entries.size(), threads, i -> {
      Entry e = entries.get(i);
      CRC32C crc = new CRC32C();
      ParallelRead.readRange(ch, e.offset(), e.length(), crc);
      return (int) crc.getValue() == e.crc() ? null : "tensor " + e.name() + " checksum mismatch (corrupt)";
    });
    if (bad != null) {
      throw new RejectedException(file, bad);
    }
  }

  private static int writeRange(FileChannel ch, long position, long address, long length) throws IOException {
    CRC32C crc = new CRC32C();
    for (long done = 0; done < length; ) {
      int chunk = (int) Math.min(NativeView.MAX_CHUNK, length - done);
      ByteBuffer view = NativeView.of(address + done, chunk);
      crc.update(view.duplicate());
      while (view.hasRemaining()) {
        ch.write(view, position + done + view.position());
      }
      done += chunk;
    }
    return (int) crc.getValue();
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file at " + pos);
      }
      pos += n;
    }
  }

  private static long align(long v, long a) {
    return (v + a - 1) / a * a;
  }
}
