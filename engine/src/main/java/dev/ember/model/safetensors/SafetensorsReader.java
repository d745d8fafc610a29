package dev.ember.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.model.DType;
import dev.ember.model.ModelFormatException;
import dev.ember.model.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the headers of safetensors files: an 8-byte little-endian header length, a JSON object
 * mapping tensor names to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the
 * end of the header), and the data. Returns {@link TensorInfo}s with absolute file offsets.
 *
 * <pre>{@code List<TensorInfo> tensors = SafetensorsReader.readDirectory(dir); }</pre>
 */
public final class SafetensorsReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsReader() {}

  /**
   * The tensors of a model directory: {@value SafetensorsWriter#INDEX} (sharded) when present,
   * else {@value SafetensorsWriter#SINGLE}.
   */
  public static List<TensorInfo> readDirectory(Path dir) throws IOException {
    Path index = dir.resolve(SafetensorsWriter.INDEX);
    if (!Files.isRegularFile(index)) {
      Path single = dir.resolve(SafetensorsWriter.SINGLE);
      if (!Files.isRegularFile(single)) {
        throw ModelFormatException.in(dir, "no " + SafetensorsWriter.SINGLE + " or " + SafetensorsWriter.INDEX);
      }
      return readFile(single);
    }
    JsonNode weightMap;
    try {
      weightMap = JSON.readTree(Files.readString(index)).get("weight_map");
    } catch (JsonProcessingException e) {
      throw new ModelFormatException("corrupt index " + index + ": " + e.getOriginalMessage(), e);
    }
    if (weightMap == null || !weightMap.isObject()) {
      throw ModelFormatException.in(index, "missing field weight_map");
    }
    Map<String, List<String>> namesByShard = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      namesByShard.computeIfAbsent(e.getValue().asText(), k -> new ArrayList<>()).add(e.getKey());
    }
    List<TensorInfo> all = new ArrayList<>();
    for (Map.Entry<String, List<String>> shard : namesByShard.entrySet()) {
      Path file = dir.resolve(shard.getKey());
      if (!Files.isRegularFile(file)) {
        throw ModelFormatException.in(index, "missing shard " + shard.getKey());
      }
      Map<String, TensorInfo> byName = new LinkedHashMap<>();
      for (TensorInfo t : readFile(file)) {
        byName.put(t.name(), t);
      }
      for (String name : shard.getValue()) {
        TensorInfo t = byName.get(name);
        if (t == null) {
          throw ModelFormatException.in(file, "missing tensor " + name);
        }
        all.add(t);
      }
    }
    return all;
  }

  /** The tensors of one safetensors file, in header order. */
  public static List<TensorInfo> readFile(Path file) throws IOException {
    JsonNode header;
    long dataStart;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0, file);
      long headerLength = len.flip().getLong();
      if (headerLength < 2 || headerLength > size - 8 || headerLength > Integer.MAX_VALUE) {
        throw ModelFormatException.in(file, "corrupt header: header length " + Long.toUnsignedString(headerLength) + " but the file has " + size + " bytes");
      }
      ByteBuffer json = ByteBuffer.allocate((int) headerLength);
      readFully(ch, json, 8, file);
      dataStart = 8 + headerLength;
      try {
        header = JSON.readTree(new String(json.array(), StandardCharsets.UTF_8));
      } catch (JsonProcessingException e) {
        throw new ModelFormatException("corrupt header in " + file + ": " + e.getOriginalMessage(), e);
      }
      if (header == null || !header.isObject()) {
        throw ModelFormatException.in(file, "corrupt header: not a JSON object");
      }
    }
    List<TensorInfo> tensors = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("__metadata__")) {
        tensors.add(tensor(e.getKey(), e.getValue(), file, dataStart));
      }
    }
    return tensors;
  }

  private static TensorInfo tensor(String name, JsonNode n, Path file, long dataStart) throws ModelFormatException {
    JsonNode shapeNode = n.get("shape");
    JsonNode offsets = n.get("data_offsets");
    if (!n.has("dtype") || shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
      throw ModelFormatException.in(file, "corrupt header: tensor " + name + " lacks dtype, shape or data_offsets");
    }
    DType dtype = dtype(n.get("dtype").asText(), name, file);
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong(-1);
      if (shape[i] < 0 || !shapeNode.get(i).isIntegralNumber()) {
        throw ModelFormatException.in(file, "corrupt header: tensor " + name + " has a bad shape " + shapeNode);
      }
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin) {
      throw ModelFormatException.in(file, "corrupt header: tensor " + name + " has bad data_offsets " + offsets);
    }
    return new TensorInfo(name, dtype, shape, file, dataStart + begin, end - begin);
  }

  private static DType dtype(String s, String tensor, Path file) throws ModelFormatException {
    return switch (s) {
      case "F32" -> DType.F32;
      case "F16" -> DType.F16;
      case "BF16" -> DType.BF16;
      default -> throw ModelFormatException.in(file, "unsupported dtype " + s + " for tensor " + tensor);
    };
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long pos, Path file) throws IOException {
    while (dst.hasRemaining()) {
      int r = ch.read(dst, pos);
      if (r < 0) {
        throw ModelFormatException.in(file, "corrupt header: file ends at " + pos + " bytes");
      }
      pos += r;
    }
  }
}
