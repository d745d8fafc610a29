package dev.ember.model.gguf;

import dev.ember.model.ModelFormatException;
import dev.ember.model.internal.ChannelSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the header of a GGUF file (versions 2 and 3, little-endian): magic, version, tensor and
 * key/value counts, metadata of every value type, tensor infos, and the aligned data start.
 *
 * <pre>{@code GgufFile g = GgufReader.read(Path.of("model.gguf")); }</pre>
 */
public final class GgufReader {
  /** "GGUF" read as a little-endian u32. */
  public static final int MAGIC = 0x46554747;

  private GgufReader() {}

  public static GgufFile read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ChannelSource in = new ChannelSource(ch, file);
      if (in.size() < 24 || in.getInt() != MAGIC) {
        throw ModelFormatException.in(file, "corrupt header: not a GGUF file (bad magic)");
      }
      int version = in.getInt();
      if (version != 2 && version != 3) {
        throw ModelFormatException.in(file, "unsupported GGUF version " + version);
      }
      long tensorCount = in.getLong();
      long kvCount = in.getLong();
      // Every key/value takes at least 13 bytes and every tensor info at least 24.
      if (tensorCount < 0 || kvCount < 0 || tensorCount > in.size() / 24 || kvCount > in.size() / 13) {
        throw in.corrupt("implausible counts: " + tensorCount + " tensors, " + kvCount + " metadata keys");
      }
      Map<String, GgufValue> metadata = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = in.getString();
        metadata.put(key, value(in, in.getInt(), key));
      }
      List<GgufTensor> tensors = new ArrayList<>();
      for (long i = 0; i < tensorCount; i++) {
        String name = in.getString();
        int dims = in.getInt();
        if (dims < 1 || dims > 4) {
          throw in.corrupt("tensor " + name + " has " + dims + " dimensions");
        }
        long[] ne = new long[dims];
        for (int d = 0; d < dims; d++) {
          ne[d] = in.getLong();
          if (ne[d] < 0) {
            throw in.corrupt("tensor " + name + " has a negative dimension");
          }
        }
        tensors.add(new GgufTensor(name, ne, in.getInt(), in.getLong()));
      }
      int alignment = GgufFile.DEFAULT_ALIGNMENT;
      GgufValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
      if (a != null) {
        long v = a.value() instanceof Number n ? n.longValue() : 0;
        if (v <= 0 || Long.bitCount(v) != 1 || v > (1 << 20)) {
          throw ModelFormatException.in(file, "bad " + GgufFile.ALIGNMENT_KEY + " " + a.value());
        }
        alignment = (int) v;
      }
      long dataStart = (in.position() + alignment - 1) / alignment * alignment;
      return new GgufFile(file, version, metadata, tensors, alignment, dataStart);
    }
  }

  private static GgufValue value(ChannelSource in, int typeId, String key) throws IOException {
    GgufType type = GgufType.of(typeId);
    if (type == null) {
      throw in.corrupt("metadata key " + key + " has unknown value type " + typeId);
    }
    return new GgufValue(type, scalar(in, type, key));
  }

  private static Object scalar(ChannelSource in, GgufType type, String key) throws IOException {
    return switch (type) {
      case UINT8 -> (long) in.getUnsignedByte();
      case INT8 -> (long) (byte) in.getUnsignedByte();
      case UINT16 -> (long) (in.getShort() & 0xFFFF);
      case INT16 -> (long) in.getShort();
      case UINT32 -> in.getInt() & 0xFFFF_FFFFL;
      case INT32 -> (long) in.getInt();
      case UINT64, INT64 -> in.getLong();
      case FLOAT32 -> in.getFloat();
      case FLOAT64 -> in.getDouble();
      case BOOL -> in.getUnsignedByte() != 0;
      case STRING -> in.getString();
      case ARRAY -> array(in, key);
    };
  }

  private static GgufValue.Array array(ChannelSource in, String key) throws IOException {
    int typeId = in.getInt();
    GgufType elementType = GgufType.of(typeId);
    if (elementType == null) {
      throw in.corrupt("metadata key " + key + " has unknown array element type " + typeId);
    }
    long n = in.getLong();
    if (n < 0 || n > in.size() - in.position()) {
      throw in.corrupt("metadata key " + key + " has an array of " + Long.toUnsignedString(n) + " elements");
    }
    List<Object> values = new ArrayList<>((int) n);
    for (long i = 0; i < n; i++) {
      values.add(scalar(in, elementType, key));
    }
    return new GgufValue.Array(elementType, values);
  }
}
