package dev.ember.model.gguf;

import dev.ember.model.ModelFormatException;
import dev.ember.model.TensorSource;
import dev.ember.model.internal.ChannelSink;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file: header, metadata, tensor infos (names as given, dims reversed from the
 * HF-order shape), then each tensor's data at an offset aligned to {@code general.alignment}
 * (32 unless the metadata says otherwise).
 *
 * <pre>{@code GgufWriter.write(path, metadata, tensors); }</pre>
 */
public final class GgufWriter {
  public static final int VERSION = 3;

  private GgufWriter() {}

  public static void write(Path file, Map<String, GgufValue> metadata, List<TensorSource> tensors) throws IOException {
    GgufValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
    long alignment = a == null ? GgufFile.DEFAULT_ALIGNMENT : a.asLong();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        ChannelSink out = new ChannelSink(ch)) {
      out.putInt(GgufReader.MAGIC);
      out.putInt(VERSION);
      out.putLong(tensors.size());
      out.putLong(metadata.size());
      for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
        putString(out, e.getKey());
        out.putInt(e.getValue().type().id());
        putValue(out, e.getValue().type(), e.getValue().value());
      }
      long offset = 0;
      for (TensorSource t : tensors) {
        putString(out, t.name());
        long[] shape = t.shape();
        out.putInt(shape.length);
        for (int i = shape.length - 1; i >= 0; i--) {
          out.putLong(shape[i]);
        }
        out.putInt(GgufTensor.ggmlTypeOf(t.dtype()));
        out.putLong(offset);
        offset = align(offset + t.byteLength(), alignment);
      }
      out.padTo(alignment);
      for (int i = 0; i < tensors.size(); i++) {
        TensorSource t = tensors.get(i);
        long before = out.written();
        t.body().writeTo(out);
        if (out.written() - before != t.byteLength()) {
          throw ModelFormatException.in(file, "tensor " + t.name() + " wrote " + (out.written() - before) + " bytes, expected " + t.byteLength());
        }
        if (i < tensors.size() - 1) {
          out.padTo(alignment);
        }
      }
    }
  }

  private static long align(long v, long alignment) {
    return (v + alignment - 1) / alignment * alignment;
  }

  private static void putString(ChannelSink out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.putLong(bytes.length);
    out.putBytes(bytes);
  }

  private static void putValue(ChannelSink out, GgufType type, Object v) throws IOException {
    switch (type) {
      case UINT8, INT8 -> out.putByte((int) ((Number) v).longValue());
      case UINT16, INT16 -> out.putShort((short) ((Number) v).longValue());
      case UINT32, INT32 -> out.putInt((int) ((Number) v).longValue());
      case UINT64, INT64 -> out.putLong(((Number) v).longValue());
      case FLOAT32 -> out.putFloat(((Number) v).floatValue());
      case FLOAT64 -> out.putDouble(((Number) v).doubleValue());
      case BOOL -> out.putByte((Boolean) v ? 1 : 0);
      case STRING -> putString(out, (String) v);
      case ARRAY -> {
        GgufValue.Array a = (GgufValue.Array) v;
        out.putInt(a.elementType().id());
        out.putLong(a.values().size());
        for (Object e : a.values()) {
          putValue(out, a.elementType(), e);
        }
      }
    }
  }
}
