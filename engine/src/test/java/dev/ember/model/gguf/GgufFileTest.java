package dev.ember.model.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.model.DType;
import dev.ember.model.TensorSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
  @TempDir Path dir;

  @Test
  void everyMetadataValueTypeAndAlignedTensorsRoundTrip() throws IOException {
    Map<String, GgufValue> m = new LinkedHashMap<>();
    m.put("u8", new GgufValue(GgufType.UINT8, 255L));
    m.put("i8", new GgufValue(GgufType.INT8, -128L));
    m.put("u16", new GgufValue(GgufType.UINT16, 65535L));
    m.put("i16", new GgufValue(GgufType.INT16, -32768L));
    m.put("u32", GgufValue.u32(4294967295L));
    m.put("i32", GgufValue.i32(-5));
    m.put("u64", GgufValue.u64(-1L));
    m.put("i64", new GgufValue(GgufType.INT64, Long.MIN_VALUE));
    m.put("f32", GgufValue.f32(1.5f));
    m.put("f64", new GgufValue(GgufType.FLOAT64, Math.PI));
    m.put("bool", GgufValue.bool(true));
    m.put("string", GgufValue.string("héllo"));
    m.put("strings", GgufValue.array(GgufType.STRING, List.of("a", "", "ü")));
    m.put("nested", GgufValue.array(GgufType.ARRAY, List.of(new GgufValue.Array(GgufType.INT16, List.of(1L, -2L)))));
    m.put(GgufFile.ALIGNMENT_KEY, GgufValue.u32(64));
    Path file = dir.resolve("t.gguf");
    GgufWriter.write(file, m, List.of(
        TensorSource.of("a", DType.F32, new long[] {3}, new float[] {1, 2, 3}),
        TensorSource.of("b", DType.F16, new long[] {2, 32}, new float[64])));

    GgufFile g = GgufReader.read(file);
    assertEquals(3, g.version());
    assertEquals(m, g.metadata());
    assertEquals(64, g.alignment());
    assertEquals(0, g.dataStart() % 64);
    assertEquals(List.of("a", "b"), g.tensors().stream().map(GgufTensor::name).toList());
    GgufTensor b = g.tensors().get(1);
    assertEquals(List.of(32L, 2L), List.of(b.ne()[0], b.ne()[1]));
    assertEquals(GgufTensor.GGML_F16, b.ggmlType());
    assertEquals(64, b.offset());
    assertEquals(g.dataStart() + 64 + 128, Files.size(file));
  }
}
