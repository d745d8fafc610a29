package dev.ember.model;

/** On-disk model layouts Ember reads and writes. */
public enum ModelFormat {
  /** A Hugging Face directory: config.json plus model.safetensors (or shards with an index). */
  HF,
  /** One GGUF v3 file carrying config, tokenizer and weights. */
  GGUF;

  /** Parses {@code hf} or {@code gguf} (case-insensitive). */
  public static ModelFormat parse(String name) {
    for (ModelFormat f : values()) {
      if (f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown model format '" + name + "' (expected hf or gguf)");
  }
}
