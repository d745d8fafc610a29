package dev.ember.model.gguf;

/** The GGUF metadata value types, with their on-disk ids. */
public enum GgufType {
  UINT8(0),
  INT8(1),
  UINT16(2),
  INT16(3),
  UINT32(4),
  INT32(5),
  FLOAT32(6),
  BOOL(7),
  STRING(8),
  ARRAY(9),
  UINT64(10),
  INT64(11),
  FLOAT64(12);

  private final int id;

  GgufType(int id) {
    this.id = id;
  }

  public int id() {
    return id;
  }

  /** The type with that id, or null. */
  public static GgufType of(int id) {
    for (GgufType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    return null;
  }
}
