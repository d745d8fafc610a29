package dev.ember.model.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF header: metadata in file order, tensor infos, alignment and the absolute offset
 * where the (aligned) data section starts.
 *
 * <pre>{@code GgufFile g = GgufReader.read(path); long n = g.get("llama.block_count").asLong(); }</pre>
 */
public record GgufFile(Path path, int version, Map<String, GgufValue> metadata, List<GgufTensor> tensors, int alignment, long dataStart) {
  public static final String ALIGNMENT_KEY = "general.alignment";
  public static final int DEFAULT_ALIGNMENT = 32;

  public GgufFile {
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    tensors = List.copyOf(tensors);
  }

  /** The value of a key, or null. */
  public GgufValue get(String key) {
    return metadata.get(key);
  }
}
