package dev.ember.model.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.model.DType;
import dev.ember.model.ModelFormatException;
import dev.ember.model.TensorSource;
import dev.ember.model.internal.ChannelSink;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tensors as safetensors into a model directory: one {@value #SINGLE}, or, when the data
 * exceeds {@code maxShardBytes}, shards {@code model-0000i-of-0000n.safetensors} plus
 * {@value #INDEX}. Tensors keep the given order; the header is padded to 8 bytes.
 *
 * <pre>{@code SafetensorsWriter.write(dir, tensors, SafetensorsWriter.DEFAULT_MAX_SHARD_BYTES); }</pre>
 */
public final class SafetensorsWriter {
  public static final String SINGLE = "model.safetensors";
  public static final String INDEX = "model.safetensors.index.json";
  /** Shard size above which the data is split (as {@code save_pretrained}'s default of 5 GB). */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  /** Writes the tensors and returns the files written (the index last when sharded). */
  public static List<Path> write(Path dir, List<TensorSource> tensors, long maxShardBytes) throws IOException {
    List<List<TensorSource>> shards = new ArrayList<>();
    List<TensorSource> current = new ArrayList<>();
    long currentBytes = 0;
    for (TensorSource t : tensors) {
      if (t.dtype().quantized()) {
        throw new IllegalArgumentException("safetensors cannot hold " + t.dtype() + " tensor " + t.name());
      }
      if (!current.isEmpty() && currentBytes + t.byteLength() > maxShardBytes) {
        shards.add(current);
        current = new ArrayList<>();
        currentBytes = 0;
      }
      current.add(t);
      currentBytes += t.byteLength();
    }
    shards.add(current);
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    if (shards.size() == 1) {
      written.add(writeFile(dir.resolve(SINGLE), shards.get(0)));
      return written;
    }
    ObjectNode index = JSON.createObjectNode();
    long total = 0;
    ObjectNode weightMap = JSON.createObjectNode();
    for (int i = 0; i < shards.size(); i++) {
      String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
      written.add(writeFile(dir.resolve(name), shards.get(i)));
      for (TensorSource t : shards.get(i)) {
        weightMap.put(t.name(), name);
        total += t.byteLength();
      }
    }
    index.putObject("metadata").put("total_size", total);
    index.set("weight_map", weightMap);
    Path indexFile = dir.resolve(INDEX);
    Files.writeString(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    written.add(indexFile);
    return written;
  }

  private static Path writeFile(Path file, List<TensorSource> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (TensorSource t : tensors) {
      ObjectNode n = header.putObject(t.name());
      n.put("dtype", label(t.dtype()));
      var shape = n.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      n.putArray("data_offsets").add(offset).add(offset + t.byteLength());
      offset += t.byteLength();
    }
    byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        ChannelSink out = new ChannelSink(ch)) {
      out.putLong(padded);
      out.putBytes(json);
      for (int i = json.length; i < padded; i++) {
        out.putByte(' ');
      }
      for (TensorSource t : tensors) {
        long before = out.written();
        t.body().writeTo(out);
        if (out.written() - before != t.byteLength()) {
          throw ModelFormatException.in(file, "tensor " + t.name() + " wrote " + (out.written() - before) + " bytes, expected " + t.byteLength());
        }
      }
    }
    return file;
  }

  private static String label(DType dtype) {
    return switch (dtype) {
      case F32 -> "F32";
      case F16 -> "F16";
      case BF16 -> "BF16";
      case Q8_0, Q4_0 -> throw new IllegalArgumentException("safetensors cannot hold " + dtype);
    };
  }
}
